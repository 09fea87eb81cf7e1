/**
 * What mixpanel-browser keeps about how a visitor arrived, and where.
 *
 * Before each event (`_set_default_superprops` in its mixpanel-core.js) it
 * registers, as persisted super properties: the search engine and keyword of
 * the referrer (`update_search_keyword`), the page URL's `utm_*` parameters
 * unless `stop_utm_persistence` (or the deprecated `store_google: false`), and
 * once per visitor the first referrer and its domain, `$direct` for none, when
 * `save_referrer` (`update_referrer_info`). At `init` it also sets on the
 * profile, once, the landing page's `initial_utm_*` unless
 * `skip_first_touch_marketing`, and the first referrer (`_loaded`).
 */
import type { Config } from '../../config';
import type { Props } from '../sanitize';
import { CAMPAIGN_PARAMS, campaignParams } from './campaign';
import type { Page } from '../environment';
import { referringDomain } from './referrer';

type LiveConfig = Config & Record<string, unknown>;

/** Whether `utm_*` parameters persist: `store_google` is deprecated, but a site setting it to false still means it. */
const persistsCampaign = (config: LiveConfig): boolean => !config.stop_utm_persistence && config.store_google !== false;

/**
 * Writes into `persisted` (the super properties that persist) what mixpanel-browser
 * registers before an event on `page`. True when something changed, so that
 * the caller saves only then.
 */
export function rememberArrival(persisted: Props, config: LiveConfig, page: Page): boolean {
  let changed = false;
  const put = (found: Props, onlyIfUnset: boolean): void => {
    for (const key in found) {
      const value = found[key]!;
      // register_once's rule: an absent value, or the default it was given (''), is replaced
      if (onlyIfUnset && key in persisted && persisted[key] !== '') continue;
      if (persisted[key] !== value) {
        persisted[key] = value;
        changed = true;
      }
    }
  };
  put(page.search, false);
  if (persistsCampaign(config)) put(page.campaign, false);
  const referrer = page.referrer;
  if (config.save_referrer)
    put({ $initial_referrer: referrer || '$direct', $initial_referring_domain: referringDomain(referrer) || '$direct' }, true);
  return changed;
}

/** Removes the persisted `utm_*` parameters when they must not persist (mixpanel-browser's `_loaded`); true when any was there. */
export function forgetCampaign(persisted: Props, config: LiveConfig): boolean {
  if (persistsCampaign(config)) return false;
  let changed = false;
  for (const key of CAMPAIGN_PARAMS)
    if (key in persisted) {
      delete persisted[key];
      changed = true;
    }
  return changed;
}

/**
 * The `people.set_once` of the landing page: every `initial_utm_*`, null for
 * the absent ones (the parameters are one tuple), when the URL has any of them.
 */
export function firstTouch(config: LiveConfig, url: string): Props | null {
  if (config.skip_first_touch_marketing) return null;
  const campaign = campaignParams(url, null);
  const initial: Props = {};
  let any = false;
  for (const key in campaign) {
    initial['initial_' + key] = campaign[key]!;
    if (campaign[key] !== null) any = true;
  }
  return any ? initial : null;
}

/** The `people.set_once` of the first referrer kept in `persisted`, or null when none is (mixpanel-browser's `get_referrer_info`). */
export function firstReferrer(persisted: Props): Props | null {
  const out: Props = {};
  for (const key of ['$initial_referrer', '$initial_referring_domain']) {
    const value = persisted[key];
    if (typeof value === 'string' && value) out[key] = value;
  }
  return Object.keys(out).length ? out : null;
}
