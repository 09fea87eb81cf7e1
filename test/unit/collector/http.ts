// Helpers for the collector's tests: real requests on loopback with Node's fetch.

/** Posts a body and returns status, headers and text. */
export async function post(url: string, body: string | Buffer, contentType = 'application/x-www-form-urlencoded', init: RequestInit = {}) {
  const res = await fetch(url, {
    method: 'POST',
    body: body as BodyInit,
    headers: { 'Content-Type': contentType, ...(init.headers as Record<string, string>) },
    ...omitHeaders(init),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** `data=<urlencoded JSON>` as Mixpanel's libraries send it. */
export function formBody(data: unknown): string {
  return `data=${encodeURIComponent(JSON.stringify(data))}`;
}

/** A minimal valid track event. */
export function event(insertId: string, extra: Record<string, unknown> = {}) {
  return { event: 'Signed up', properties: { token: 't', distinct_id: 'd', $insert_id: insertId, time: 1, ...extra } };
}

/** Base64 of a JSON value. */
export function base64Json(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
}

function omitHeaders(init: RequestInit): RequestInit {
  const { headers: _ignored, ...rest } = init;
  return rest;
}
