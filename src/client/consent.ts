/**
 * The user's tracking choice, stored as mixpanel-browser stores it
 * (gdpr-utils.js): `<prefix><token>` = `0` (out) or `1` (in), the prefix
 * `__mp_opt_in_out_` unless `opt_out_tracking_cookie_prefix` says otherwise,
 * in localStorage (`opt_out_tracking_persistence_type`, the default) or a
 * cookie. It is read again on every question, so a choice made in another
 * tab counts at once. Kept even with `disable_persistence`, since forgetting
 * an opt-out would track someone who said no.
 */
import type { Config } from '../config';
import { isRecord } from './values';
import { doNotTrack } from './environment';
import { cookieKV, localKV, type CookieOptions, type KV } from './storage';
import type { ConsentOptions } from './types';

/** mixpanel-browser's `GDPR_DEFAULT_PERSISTENCE_PREFIX`. */
export const CONSENT_PREFIX = '__mp_opt_in_out_';

/** The per-call options of the opt-in/out methods (`_gdpr_call_func`): one public type, in types.ts. */
export type { ConsentOptions };

export interface Consent {
  /** Whether nothing may be sent: Do Not Track (unless `ignore_dnt`), or the stored choice is out. */
  out(options?: unknown): boolean;
  /** Whether the stored choice is in. */
  optedIn(options?: unknown): boolean;
  /** Whether the stored choice is out (Do Not Track aside). */
  optedOut(options?: unknown): boolean;
  /** Store the choice. */
  set(inOut: '0' | '1', options?: unknown): void;
  /** Forget the choice (`clear_opt_in_out_tracking`). */
  clear(options?: unknown): void;
}

type Setting = Pick<Config, 'opt_out_tracking_persistence_type' | 'opt_out_tracking_cookie_prefix' | 'ignore_dnt'> & CookieOptions;

/** Opens the choice of `token`; `config` is the live config, read on every call. */
export function openConsent(token: string, config: Setting): Consent {
  /** The key and store for one call: the config, overridden by the call's options. */
  const place = (options: unknown): { key: string; kv: KV | null } => {
    const o: ConsentOptions = isRecord(options) ? options : {};
    const type = o.persistence_type || config.opt_out_tracking_persistence_type;
    // the call's cookie attributes over the config's: the options have the config's names
    const cookie: CookieOptions = { ...config, ...o };
    // mixpanel-browser: localStorage when asked for and usable, else a cookie
    const kv = (type === 'localStorage' ? localKV() : null) || cookieKV(cookie);
    return { key: (o.cookie_prefix || config.opt_out_tracking_cookie_prefix || CONSENT_PREFIX) + token, kv };
  };
  const read = (options: unknown): string | null => {
    const { key, kv } = place(options);
    return kv ? kv.get(key) : null;
  };
  return {
    out: (options) => (!config.ignore_dnt && doNotTrack()) || read(options) === '0',
    optedIn: (options) => read(options) === '1',
    optedOut: (options) => read(options) === '0',
    set(v, options) {
      const { key, kv } = place(options);
      if (kv) kv.set(key, v);
    },
    clear(options) {
      const { key, kv } = place(options);
      if (kv) kv.remove(key);
    },
  };
}
