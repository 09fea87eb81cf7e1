// A small WebSocket client (RFC 6455, text frames only), enough for WebKit's inspector socket.
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { Socket } from 'node:net';

export class WebSocketClient {
  private buffer: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  closed = false;
  onMessage: (text: string) => void = () => {};
  onClose: () => void = () => {};

  private constructor(
    private readonly socket: Socket,
    head: Buffer,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      if (this.closed) return;
      this.closed = true;
      this.onClose();
    });
    if (head.length) setImmediate(() => this.receive(head));
  }

  static open(port: number, path: string): Promise<WebSocketClient> {
    return new Promise((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port,
        path,
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        },
      });
      req.once('upgrade', (_res, socket, head) => resolve(new WebSocketClient(socket, head)));
      req.once('response', (res) => {
        res.resume();
        reject(new Error(`inspector socket ${path}: HTTP ${res.statusCode}`));
      });
      req.once('error', reject);
      req.end();
    });
  }

  send(text: string): void {
    if (!this.closed) this.socket.write(this.frame(0x1, Buffer.from(text)));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.write(this.frame(0x8, Buffer.alloc(0)));
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1_000).unref();
  }

  /** A client frame: always final and masked. */
  private frame(opcode: number, payload: Buffer): Buffer {
    const length = payload.length;
    // The length takes 7 bits, or 16 or 64 more after a marker: a header of 2, 4 or 10 bytes.
    let headerSize = 10;
    if (length < 126) headerSize = 2;
    else if (length < 65_536) headerSize = 4;
    const header = Buffer.alloc(headerSize);
    header[0] = 0x80 | opcode;
    if (length < 126) header[1] = 0x80 | length;
    else if (length < 65_536) {
      header[1] = 0x80 | 126;
      header.writeUInt16BE(length, 2);
    } else {
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(length), 2);
    }
    const mask = randomBytes(4);
    const masked = Buffer.alloc(length);
    for (let i = 0; i < length; i++) masked[i] = (payload[i] as number) ^ (mask[i & 3] as number);
    return Buffer.concat([header, mask, masked]);
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      if (this.buffer.length < 2) return;
      const b0 = this.buffer[0] as number;
      const b1 = this.buffer[1] as number;
      let offset = 2;
      let length = b1 & 0x7f;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) return;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      const masked = (b1 & 0x80) !== 0;
      const maskOffset = offset;
      if (masked) offset += 4;
      if (this.buffer.length < offset + length) return;
      let payload = this.buffer.subarray(offset, offset + length);
      if (masked) {
        const unmasked = Buffer.alloc(length);
        for (let i = 0; i < length; i++) unmasked[i] = (payload[i] as number) ^ (this.buffer[maskOffset + (i & 3)] as number);
        payload = unmasked;
      }
      this.buffer = this.buffer.subarray(offset + length);
      const opcode = b0 & 0x0f;
      const fin = (b0 & 0x80) !== 0;
      if (opcode === 0x8) {
        this.close();
        return;
      }
      if (opcode === 0x9) {
        if (!this.closed) this.socket.write(this.frame(0xa, Buffer.from(payload)));
        continue;
      }
      if (opcode === 0xa) continue;
      // Text, binary or a continuation of either.
      this.fragments.push(Buffer.from(payload));
      if (fin) {
        const message = Buffer.concat(this.fragments).toString('utf8');
        this.fragments = [];
        this.onMessage(message);
      }
    }
  }
}
