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
 * Other tabs write the same entry. Every write therefore merges: it reads
 * what is stored now and applies only what this tab changed since it last
 * read or wrote, key by key (one timer at a time), so one tab's `register()`
 * never undoes another tab's `identify()`.
 *
 * Storage is someone else's too: whatever is found there is checked, a bad
 * field is replaced by a fresh one, and the problem is reported once.
 */
import type { Config } from '../config';
import { STORAGE_PREFIX } from '../constants';
import type { Reporter } from '../utils/report';
import { uuid } from '../utils/uuid';
import { guard } from '../utils/env';
import { cleanProperties, type Json, type Props } from './sanitize';
import { cookieKV, localKV, memoryKV, pickKV, type KV } from './storage';
import { isRecord } from './values';

export { openConsent, type Consent, type ConsentOptions } from './consent';

/** Prefix of an anonymous distinct_id, as mixpanel-browser writes it. */
export const DEVICE_PREFIX = '$device:';

/** Where mixpanel-browser keeps `time_event()` start times inside the entry. */
const TIMERS_KEY = '__timers';

/** Keys of the entry that are not super properties (mixpanel-browser's `RESERVED_PROPERTIES`, and any other `__` key). */
export const isInternalKey = (k: string): boolean => k.startsWith('__') || k === '$people_distinct_id';

export interface Persistence {
  /**
   * The entry but its timers: `distinct_id`, `$device_id`, `$user_id`, the
   * super properties, and the internal keys (`isInternalKey`). Changed in
   * place; call `save()` after.
   */
  props: Props;
  /** Start times (ms) of `time_event()` timers, by event name. */
  timers: Record<string, number>;
  /** The storage key, `mp_<token>_mixpanel` unless `persistence_name`/`cookie_name` say otherwise. */
  readonly name: string;
  /**
   * Write this tab's changes since the last `load()`/`save()` over what is
   * stored now (another tab may have written meanwhile), and take what the
   * other tab wrote. Nothing is written while `off`; a refused write is reported once.
   */
  save(): void;
  /**
   * Read what is stored again; true when it differs from what this tab had (another tab wrote).
   * Nothing while `off`, nor when nothing is stored.
   */
  load(): boolean;
  /** Forget everything stored, in memory and in storage, and start a new anonymous identity (`reset()`). */
  clear(): void;
  /** Delete the stored entry and keep the values in memory (opt-out, as mixpanel-browser's `set_disabled(true)`). */
  remove(): void;
  /** While true nothing is read or written (the user opted out). */
  off: boolean;
}

/** A new anonymous identity, as mixpanel-browser's `_init` and `reset` register it. */
export const freshIdentity = (id = uuid()): Props => ({ distinct_id: DEVICE_PREFIX + id, $device_id: id });

const isId = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** The identity fields: a value that is not a non-empty string is dropped (and reported) on reading. */
const IDS = ['distinct_id', '$device_id', '$user_id'];

/** Entry key → JSON of its value, with one entry per timer (`__timers.<name>`): the unit of merging. */
type Flat = Record<string, string>;

const TIMER_PREFIX = TIMERS_KEY + '.';

/** The storage key of `token`'s entry, as mixpanel-browser names it. */
export function persistenceName(token: string, config: Pick<Config, 'persistence_name' | 'cookie_name'>): string {
  return STORAGE_PREFIX + (config.persistence_name || config.cookie_name || token + '_mixpanel');
}

/** Opens the persistence of `token` as configured, reading what a previous page (or mixpanel-browser) left. */
export function openPersistence(token: string, config: Config, reporter: Reporter): Persistence {
  const name = persistenceName(token, config);
  const disabled = config.disable_persistence || config.disable_cookie;
  const kv: KV = disabled ? memoryKV() : pickKV(config.persistence, config);
  let reported = 0;
  const report = (message: string): void => {
    if (!reported++) reporter.report({ code: 'storage', message, detail: { key: name, store: kv.kind } });
  };

  /** The entry in `raw`, checked: bad fields are left out and named in `bad`. */
  function decode(raw: string | null, bad: string[]): Flat {
    let stored: unknown = {};
    if (raw) stored = guard(() => JSON.parse(raw) as unknown, null);
    if (!isRecord(stored)) {
      bad.push('the whole value');
      stored = {};
    }
    const { __timers: timers, ...rest } = stored as Record<string, unknown>;
    const flat: Flat = {};
    const clean = cleanProperties(rest, bad);
    for (const k of Object.keys(clean))
      if (IDS.indexOf(k) < 0 || isId(clean[k])) flat[k] = JSON.stringify(clean[k]);
      else bad.push(k);
    if (timers !== undefined && !isRecord(timers)) bad.push(TIMERS_KEY);
    else
      for (const [k, t] of Object.entries(timers || {}))
        if (typeof t === 'number' && isFinite(t)) flat[TIMER_PREFIX + k] = String(t);
        else bad.push(TIMER_PREFIX + k);
    return flat;
  }

  /** The entry as mixpanel-browser stores it: one JSON object, the timers under `__timers`. */
  function encode(flat: Flat): string {
    const fields: string[] = [];
    const timers: string[] = [];
    for (const k of Object.keys(flat))
      if (k.startsWith(TIMER_PREFIX)) timers.push(JSON.stringify(k.slice(TIMER_PREFIX.length)) + ':' + flat[k]);
      else fields.push(JSON.stringify(k) + ':' + flat[k]);
    if (timers.length) fields.push(`"${TIMERS_KEY}":{${timers.join(',')}}`);
    return '{' + fields.join(',') + '}';
  }

  /** What this tab holds now, flattened. */
  function flatten(): Flat {
    const flat: Flat = {};
    for (const k of Object.keys(p.props)) if (p.props[k] !== undefined) flat[k] = JSON.stringify(p.props[k]);
    for (const k of Object.keys(p.timers)) flat[TIMER_PREFIX + k] = JSON.stringify(p.timers[k]);
    return flat;
  }

  /** Replace the in-memory values by `flat`, in place: callers hold `props` and `timers`. */
  function adopt(flat: Flat): void {
    for (const k of Object.keys(p.props)) delete p.props[k];
    for (const k of Object.keys(p.timers)) delete p.timers[k];
    for (const k of Object.keys(flat)) {
      const v = JSON.parse(flat[k]!) as Json;
      if (k.startsWith(TIMER_PREFIX)) p.timers[k.slice(TIMER_PREFIX.length)] = v as number;
      else p.props[k] = v;
    }
  }

  /** What this tab last read or wrote: what its changes are measured against. */
  let base: Flat = {};
  /** The raw text last read or written, so that a `load()` that finds the same text costs one read. */
  let lastRaw: string | null = null;

  function write(flat: Flat): void {
    const raw = encode(flat);
    if (kv.set(name, raw)) lastRaw = raw;
    else report(`could not write "${name}" to ${kv.kind}`);
  }

  const p: Persistence = {
    props: {},
    timers: {},
    name,
    off: false,
    load() {
      if (p.off) return false;
      const raw = kv.get(name);
      // nothing stored (another tab opted out and removed it): this tab keeps what it has, as
      // mixpanel-browser's load() does, and its next save writes it all again
      if (raw === lastRaw || raw === null) {
        lastRaw = raw;
        return false;
      }
      lastRaw = raw;
      const flat = decode(raw, []);
      const changed = JSON.stringify(flat) !== JSON.stringify(base);
      base = flat;
      adopt(flat);
      return changed;
    },
    save() {
      if (p.off) return;
      const mine = flatten();
      const raw = kv.get(name);
      const merged = raw === lastRaw || raw === null ? { ...base } : decode(raw, []);
      for (const k of Object.keys(base)) if (!(k in mine)) delete merged[k];
      for (const k of Object.keys(mine)) if (mine[k] !== base[k]) merged[k] = mine[k]!;
      base = merged;
      adopt(merged);
      write(merged);
    },
    clear() {
      kv.remove(name);
      lastRaw = null;
      base = {};
      adopt({});
      Object.assign(p.props, freshIdentity());
      p.save();
    },
    remove() {
      kv.remove(name);
      lastRaw = null;
    },
  };

  // first read, with the checks reported: this store's entry, and the other store's that is taken over
  const bad: string[] = [];
  lastRaw = kv.get(name);
  base = decode(lastRaw, bad);
  adopt(base);
  if (disabled) {
    // mixpanel-browser's set_disabled(true): what an earlier page stored is removed
    const stored = pickKV(config.persistence, config);
    adoptOther(stored);
    stored.remove(name);
  } else {
    // moving between cookie and localStorage: take over what the other store has (mixpanel-browser's upgrade())
    adoptOther(kv.kind === 'cookie' ? localKV() : cookieKV(config));
  }
  if (bad.length) report(`"${name}" partly unreadable; reset ${bad.join('; ')}`);
  // mixpanel-browser's _init: an identity only when none is stored; an old one without $device_id is kept as it is
  if (!isId(p.props.distinct_id)) Object.assign(p.props, freshIdentity());
  return p;

  /** Fills what `p` lacks from the entry in `other` (register_once), then deletes it there. */
  function adoptOther(other: KV | null): void {
    const raw = other && other !== kv ? other.get(name) : null;
    if (!raw) return;
    const flat = decode(raw, bad);
    const mine = flatten();
    for (const k of Object.keys(flat)) if (!(k in mine)) mine[k] = flat[k]!;
    adopt(mine);
    other!.remove(name);
  }
}
