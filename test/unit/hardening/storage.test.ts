// Garbage another writer (an older version, an extension, a page bug) left where the SDK keeps
// its data: what cannot be read is dropped and reported once, what can be read is kept, and the
// queue never stalls on a record it can store but not send.
import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { createStore, set } from 'idb-keyval';
import { afterEach, describe, expect, it } from 'vitest';
import { STORAGE_PREFIX } from '../../../src/constants';
import { createLibrary } from '../../../src/client/library';
import { createIdbStore, idbName } from '../../../src/outbox/idb-store';
import { createOutbox } from '../../../src/outbox/outbox';
import { createLocalStorageStore } from '../../../src/outbox/sorted-store';
import { encodeBody } from '../../../src/delivery/wire';
import type { ErrorReport } from '../../../src/utils/report';
import { fakeBrowser, memoryStorage, removeBrowser } from '../client/fake-browser';
import { bodyOf, freshToken, json, MemoryStorage, recordingReporter, storedRecord, testConfig } from '../outbox/helpers';
import { capturingPipelines, expectSendable, nasty } from './nasty';

afterEach(removeBrowser);

/** An outbox over IndexedDB for a new token, and a raw handle on its object store. */
function idbOutbox() {
  const token = freshToken();
  const reporter = recordingReporter();
  const config = testConfig();
  const outbox = createOutbox({ token, config: () => config, reporter, openStore: () => createIdbStore(idbName(token)) });
  return { outbox, reporter, raw: createStore(idbName(token), 'outbox') };
}

describe('IndexedDB outbox with garbage', () => {
  it('a record under a key that is not a string is dropped once, not read again on every batch', async () => {
    const { outbox, reporter, raw } = idbOutbox();
    outbox.enqueue('track', json({ event: 'good' }));
    await outbox.settle();
    await set(42, storedRecord('42', { event: 'numeric key' }), raw);
    await set([1, 2], 'an array key', raw);
    expect((await outbox.oldest(10)).map((r) => bodyOf(r).event)).toEqual(['good']);
    expect((await outbox.oldest(10)).map((r) => bodyOf(r).event)).toEqual(['good']);
    expect(reporter.reports).toEqual([expect.objectContaining({ code: 'dropped', reason: 'corrupt', count: 2 })]);
    expect((await outbox.stats()).queued).toBe(1);
  });

  it('a version-1 record whose body JSON cannot carry (BigInt, a cycle) is dropped, so the batch it heads can be sent', async () => {
    const { outbox, reporter, raw } = idbOutbox();
    const cyclic: Record<string, unknown> = { event: 'cycle' };
    cyclic.self = cyclic;
    await set(
      '000000000000001aaaaaaaa',
      { v: 1, id: '000000000000001aaaaaaaa', at: Date.now(), ep: 'track', body: { event: 'big', n: BigInt(10) }, size: 10 },
      raw,
    );
    await set('000000000000002aaaaaaaa', { v: 1, id: '000000000000002aaaaaaaa', at: Date.now(), ep: 'track', body: cyclic, size: 10 }, raw);
    outbox.enqueue('track', json({ event: 'good' }));
    await outbox.settle();
    const batch = await outbox.oldest(50);
    expect(batch.map((r) => bodyOf(r).event)).toEqual(['good']);
    expect(() => encodeBody(batch, 'json')).not.toThrow();
    expect(reporter.reports).toEqual([expect.objectContaining({ code: 'dropped', reason: 'corrupt', count: 2 })]);
  });

  it('any value under any key: oldest() never throws, returns only sendable records, and reports each bad one once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true }), { maxLength: 8 }),
        async (values) => {
          const { outbox, reporter, raw } = idbOutbox();
          outbox.enqueue('track', json({ event: 'good' }));
          await outbox.settle();
          for (const [i, v] of values.entries()) await set('0' + i, v, raw);
          const read = await outbox.oldest(50);
          expect(read.map((r) => bodyOf(r).event)).toEqual(['good']);
          expect(() => encodeBody(read, 'json')).not.toThrow();
          const dropped = reporter.reports.reduce((n, r) => n + (r.count ?? 0), 0);
          expect(dropped).toBe(values.length);
          await outbox.oldest(50);
          expect(reporter.reports.reduce((n, r) => n + (r.count ?? 0), 0)).toBe(dropped);
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('localStorage outbox with garbage', () => {
  it('entries that are not records of this version (or of version 1) are dropped once; the readable ones are kept', async () => {
    const token = freshToken();
    const ls = new MemoryStorage();
    const prefix = `${STORAGE_PREFIX}outbox_${token}_`;
    ls.setItem(prefix + 'a1', '{not json');
    ls.setItem(prefix + 'a2', JSON.stringify({ ...storedRecord('a2', {}), v: 0 }));
    ls.setItem(prefix + 'a3', JSON.stringify({ ...storedRecord('a3', {}), at: 'now' }));
    ls.setItem(prefix + 'a4', JSON.stringify(storedRecord('a4', { event: 'kept' })));
    ls.setItem(prefix + 'a5', JSON.stringify({ ...storedRecord('a5', {}), json: '[]' }));
    // version 1 kept the body as an object: still read, and sent as it was
    ls.setItem(prefix + 'a6', JSON.stringify({ v: 1, id: 'a6', at: Date.now(), ep: 'track', body: { event: 'migrated' }, size: 20 }));
    const reporter = recordingReporter();
    const config = testConfig();
    const outbox = createOutbox({ token, config: () => config, reporter, openStore: async () => createLocalStorageStore(token, ls) });
    expect((await outbox.oldest(10)).map((r) => bodyOf(r).event)).toEqual(['kept', 'migrated']);
    expect((await outbox.oldest(10)).map((r) => bodyOf(r).event)).toEqual(['kept', 'migrated']);
    expect(reporter.reports).toEqual([expect.objectContaining({ code: 'dropped', reason: 'corrupt', count: 4 })]);
    expect(ls.length).toBe(2);
  });
});

/** What a value would look like stored: its JSON, cut short for huge ones (a sparse 2^32 array would never finish). */
function storedForm(v: unknown): string {
  let n = 0;
  try {
    return (
      JSON.stringify(v, (_, x) => {
        if (n++ > 1000) throw 0;
        return x;
      }) ?? String(v)
    ).slice(0, 10_000);
  } catch {
    return '{"distinct_id":';
  }
}

describe('identity and consent storage with garbage', () => {
  it('any stored value: init never throws, reports at most once, and events carry a usable identity', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), nasty.map(storedForm)), fc.string(), (stored, consent) => {
        const storage = memoryStorage();
        storage.setItem('mp_tok_mixpanel', stored);
        storage.setItem('__mp_opt_in_out_tok', consent);
        fakeBrowser({ localStorage: storage });
        const pipes = capturingPipelines();
        const reports: ErrorReport[] = [];
        const lib = createLibrary({ createPipeline: pipes.factory });
        expect(() => lib.init('tok', { on_error: (r) => void reports.push(r) })).not.toThrow();
        expect(reports.filter((r) => r.code === 'storage').length).toBeLessThanOrEqual(1);
        lib.track('after');
        // only an explicit "0" opts out
        expect(pipes.sent.length).toBe(consent === '0' ? 0 : 1);
        for (const s of pipes.sent) {
          expectSendable(s);
          const p = s.body.properties as Record<string, unknown>;
          expect(typeof p.distinct_id === 'string' && p.distinct_id !== '').toBe(true);
          expect(typeof p.$device_id === 'string' && p.$device_id !== '').toBe(true);
        }
        removeBrowser();
      }),
      { numRuns: 200 },
    );
  });
});
