/**
 * The user's tracking choice, stored as mixpanel-browser stores it:
 * `__mp_opt_in_out_<token>` = `0` (out) or `1` (in), in localStorage or a
 * cookie. Kept even with `disable_persistence`, since forgetting an opt-out
 * would track someone who said no.
 */
import type { Config } from '../config';
import { doNotTrack } from './environment';
import { cookieKV, localKV, pickKV } from './storage';

export interface Consent {
  /** Whether nothing may be sent: opted out, DNT (unless `ignore_dnt`), or no choice yet with `opt_out_tracking_by_default`. */
  out(): boolean;
  /** Whether the user explicitly opted in. */
  optedIn(): boolean;
  /** Store the choice. */
  set(inOut: '0' | '1'): void;
}

export function openConsent(token: string, config: () => Config): Consent {
  const key = '__mp_opt_in_out_' + token;
  const c = config();
  // a choice stored by either kind of persistence counts
  const local = localKV(), cookie = cookieKV(c);
  let choice = (local && local.get(key)) || (cookie && cookie.get(key));
  return {
    out: () => {
      const cfg = config();
      return choice === '0' || (!cfg.ignore_dnt && doNotTrack()) || (!choice && cfg.opt_out_tracking_by_default);
    },
    optedIn: () => choice === '1',
    set(v) {
      choice = v;
      pickKV(config().persistence, config()).set(key, v);
    },
  };
}
