/**
 * The user's tracking choice, stored as mixpanel-browser stores it
 * (gdpr-utils.js): `<prefix><token>` = `0` (out) or `1` (in), the prefix
 * `__mp_opt_in_out_` unless `opt_out_tracking_cookie_prefix` says otherwise,
 * in localStorage (`opt_out_tracking_persistence_type`, the default) or a
 * cookie, through the same store as the persisted identity. It is read again
 * on every question, so a choice made in another tab counts at once. Kept
 * even with `disable_persistence`, since forgetting an opt-out would track
 * someone who said no.
 */
import type { Config } from '../config';
import { isRecord } from './values';
import { doNotTrack } from './environment';
import { openKV, type CookieOptions } from './storage';
import type { ConsentOptions } from './types';

/** mixpanel-browser's `GDPR_DEFAULT_PERSISTENCE_PREFIX`. */
const CONSENT_PREFIX = '__mp_opt_in_out_';

/** The per-call options of the opt-in/out methods (`_gdpr_call_func`): one public type, in types.ts. */
export type { ConsentOptions };

export interface Consent {
  /** Whether nothing may be sent: Do Not Track (unless `ignore_dnt`), or the stored choice is out. */
  out(options?: unknown): boolean;
  /** Whether the stored choice is in. */
  optedIn(options?: unknown): boolean;
  /** The stored choice: '1' (in), '0' (out) or null (none), Do Not Track aside. */
  get(options?: unknown): string | null;
  /** Store the choice; null forgets it (`clear_opt_in_out_tracking`). */
  set(inOut: '0' | '1' | null, options?: unknown): void;
}

type Setting = Pick<Config, 'opt_out_tracking_persistence_type' | 'opt_out_tracking_cookie_prefix' | 'ignore_dnt'> & CookieOptions;

/** Opens the choice of `token`; `config` is the live config, read on every call. */
export function openConsent(token: string, config: Setting): Consent {
  /** The call's options over the config's: the store, its cookie attributes (the options have the config's names) and the key. */
  const place = (options: unknown) => {
    const o: ConsentOptions = isRecord(options) ? options : {};
    const kv = openKV(o.persistence_type || config.opt_out_tracking_persistence_type, { ...config, ...o });
    return [kv, (o.cookie_prefix || config.opt_out_tracking_cookie_prefix || CONSENT_PREFIX) + token] as const;
  };
  const consent: Consent = {
    out: (options) => (!config.ignore_dnt && doNotTrack()) || consent.get(options) === '0',
    optedIn: (options) => consent.get(options) === '1',
    get(options) {
      const [kv, key] = place(options);
      return kv && kv.get(key);
    },
    set(v, options) {
      const [kv, key] = place(options);
      if (kv && v) kv.set(key, v);
      else if (kv) kv.remove(key);
    },
  };
  return consent;
}
