/**
 * What an instance keeps between pages.
 *
 * Identity, super properties, event timers and the people updates waiting
 * for `identify()` of one instance, kept as one flat JSON object under
 * `mp_<token>_mixpanel` in a cookie on the registrable domain (or in
 * localStorage): the name, place and shape mixpanel-browser uses
 * (`MixpanelPersistence` in its mixpanel-persistence.js), so that a site that
 * switches keeps its visitors, and both libraries can read what the other
 * wrote. Keys starting with `__` (`__timers`, the people queues `__mps`,
 * `__mpso`, ..., `__alias`) and `$people_distinct_id` are internal and never
 * become event properties.
 *
 * Other tabs write the same entry. So there is one way to change it,
 * `update()`: read what is stored now, change that, write it back, as
 * mixpanel-browser's `register()` does (`load()`, change, `save()`). One
 * tab's `register()` therefore never undoes another tab's `identify()`.
 *
 * Storage is someone else's too: whatever is found there is checked, a bad
 * field is replaced by a fresh one, and the problem is reported once.
 */
import type { Config } from '../config';
import { STORAGE_PREFIX } from '../constants';
import type { Reporter } from '../utils/report';
import { uuid } from '../utils/uuid';
import { guard } from '../utils/env';
import { cleanProperties, type Props } from './sanitize';
import { openKV, type KV } from './storage';
import { isRecord } from './values';

export { openConsent, type Consent, type ConsentOptions } from './consent';

/** Prefix of an anonymous distinct_id, as mixpanel-browser writes it. */
export const DEVICE_PREFIX = '$device:';

/** Start times (ms) of `time_event()` timers, by event name: `__timers` in the stored entry. */
export type Timers = Record<string, number>;

export interface Persistence {
  /**
   * The entry but its timers: `distinct_id`, `$device_id`, `$user_id`, the
   * super properties, and the internal keys. Read it freely; change it only
   * inside `update()`. Both objects are replaced when another tab's entry is
   * read: read them from here each time, never keep them.
   */
  props: Props;
  timers: Timers;
  /** Grows whenever `props` may have changed (a change of this tab's, or another tab's write read): what events carry is made again. */
  version: number;
  /**
   * The one way to change the entry: read what is stored now (another tab may
   * have written), apply `change` to it, write it whole. While `off`, only the
   * values in memory change; a refused write is reported once.
   */
  update(change?: (props: Props, timers: Timers) => void): void;
  /** Read what another tab may have stored, at most once per task: a burst of calls reads storage once. */
  refresh(): void;
  /** Forget everything stored, in memory and in storage, and start a new anonymous identity (`reset()`). */
  clear(): void;
  /**
   * Delete the stored entry and stop reading and writing it, keeping the
   * values in memory (opt-out, as mixpanel-browser's `set_disabled(true)`);
   * setting `off` false and calling `update()` writes them again.
   */
  stop(): void;
  off: boolean;
}

/** A new anonymous identity, as mixpanel-browser's `_init` and `reset` register it. */
const freshIdentity = (id = uuid()): Props => ({ distinct_id: DEVICE_PREFIX + id, $device_id: id });

const isId = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** The identity fields: a value that is not a non-empty string is dropped (and reported) on reading. */
const IDS = ['distinct_id', '$device_id', '$user_id'];

/** Opens the persistence of `token` as configured, reading what a previous page (or mixpanel-browser) left. */
export function openPersistence(token: string, config: Config, reporter: Reporter): Persistence {
  const name = STORAGE_PREFIX + (config.persistence_name || config.cookie_name || token + '_mixpanel');
  const configured = openKV(config.persistence, config);
  // mixpanel-browser's disable_persistence (and its older disable_cookie): the values live in memory only
  const disabled = config.disable_persistence || config.disable_cookie;
  const kv = disabled ? null : configured;
  let reported = 0;
  const report = (message: string): void => {
    if (!reported++) reporter.report({ code: 'storage', message, detail: { key: name, store: kv ? kv.kind : 'memory' } });
  };
  /** The text last read or written: a read that finds it again changes nothing. */
  let lastRaw: string | null = null;
  /**
   * The text this page last wrote: writing what is stored already is skipped
   * only when this page wrote it, so that the first write of a page always
   * happens and a cookie's expiry starts again at every visit, as
   * mixpanel-browser's save() at init does.
   */
  let lastWritten: string | null = null;
  let readThisTask = false;

  /** The entry in `raw`, checked: bad fields are left out and named in `bad`. */
  function decode(raw: string, bad: string[]): [Props, Timers] {
    let stored = guard(() => JSON.parse(raw) as unknown, null);
    if (!isRecord(stored)) {
      bad.push('the whole value');
      stored = {};
    }
    const { __timers: timers, ...rest } = stored as Record<string, unknown>;
    const props = cleanProperties(rest, bad);
    for (const k of IDS)
      if (k in props && !isId(props[k])) {
        delete props[k];
        bad.push(k);
      }
    const kept: Timers = {};
    if (timers !== undefined && !isRecord(timers)) bad.push('__timers');
    else
      for (const [k, t] of Object.entries(timers || {}))
        if (typeof t === 'number' && isFinite(t)) kept[k] = t;
        else bad.push('__timers.' + k);
    return [props, kept];
  }

  function adopt([props, timers]: [Props, Timers]): void {
    p.props = props;
    p.timers = timers;
    p.version++;
  }

  /** Takes what is stored when it differs from what this tab last read or wrote. */
  function read(bad: string[] = []): void {
    const raw = kv && !p.off ? kv.get(name) : null;
    // nothing stored (another tab opted out and removed it): this tab keeps what it has, as
    // mixpanel-browser's load() does, and its next write puts it all back
    if (raw === null || raw === lastRaw) lastRaw = raw;
    else {
      lastRaw = raw;
      adopt(decode(raw, bad));
    }
  }

  function removeEntry(): void {
    if (kv) kv.remove(name);
    lastRaw = null;
  }

  /** The entry as mixpanel-browser stores it: one JSON object, the timers under `__timers`. */
  function write(): void {
    if (!kv || p.off) return;
    const raw = JSON.stringify(Object.keys(p.timers).length ? { ...p.props, __timers: p.timers } : p.props);
    if (raw === lastRaw && raw === lastWritten) return;
    if (!kv.set(name, raw)) return report(`could not write "${name}" to ${kv.kind}`);
    lastRaw = raw;
    lastWritten = raw;
  }

  const p: Persistence = {
    props: {},
    timers: {},
    version: 0,
    off: false,
    update(change) {
      read();
      if (change) change(p.props, p.timers);
      p.version++;
      write();
    },
    refresh() {
      if (readThisTask) return;
      readThisTask = true;
      void Promise.resolve().then(() => (readThisTask = false));
      read();
    },
    clear() {
      removeEntry();
      adopt([freshIdentity(), {}]);
      write();
    },
    stop() {
      removeEntry();
      p.off = true;
    },
  };

  // first read, with the checks reported
  const bad: string[] = [];
  if (!disabled) read(bad);
  // moving between cookie and localStorage, what the other store has is taken over (mixpanel-browser's
  // upgrade()); with persistence disabled, what the configured store has, and it is removed (set_disabled(true))
  const other = kv && kv.kind === 'cookie' ? 'localStorage' : 'cookie';
  takeOver(disabled ? configured : openKV(other, config));
  if (bad.length) report(`"${name}" partly unreadable; reset ${bad.join('; ')}`);
  // mixpanel-browser's _init: an identity only when none is stored; an old one without $device_id is kept as it is
  if (!isId(p.props.distinct_id)) Object.assign(p.props, freshIdentity());
  return p;

  /** Fills what this tab lacks from the entry in `store` (register_once), then deletes it there. */
  function takeOver(store: KV | null): void {
    // openKV falls back to the cookie when localStorage is unusable: then there is no other store
    const raw = store && store.kind !== (kv && kv.kind) ? store.get(name) : null;
    if (!raw) return;
    const [props, timers] = decode(raw, bad);
    adopt([
      { ...props, ...p.props },
      { ...timers, ...p.timers },
    ]);
    store!.remove(name);
  }
}
