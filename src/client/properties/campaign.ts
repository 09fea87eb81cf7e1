/**
 * Campaign parameters (`utm_*`) and ad click ids read from a URL, as
 * mixpanel-browser reads them (`_.info.campaignParams`, `_.info.clickParams`
 * and `_.getQueryParam` in its utils.js): the first `?name=` or `&name=`
 * anywhere in the URL (a hash route's query counts too), percent-decoded,
 * `+` read as a space, empty values left out.
 */
import type { Props } from '../sanitize';

/** The campaign parameters mixpanel-browser 2.83 reads, in its order. */
export const CAMPAIGN_PARAMS = 'source medium campaign content term id source_platform campaign_id creative_format marketing_tactic'
  .split(' ')
  .map((name) => 'utm_' + name);

/** The ad click ids mixpanel-browser 2.83 reads. */
export const CLICK_IDS = 'dclid fbclid gclid ko_click_id li_fat_id msclkid sccid ttclid twclid wbraid'.split(' ');

/** The value of query parameter `name` in `url`, `''` when absent. The names here hold no pattern characters. */
export function queryParam(url: string, name: string): string {
  const match = new RegExp('[?&]' + name + '=([^&#]*)').exec(url);
  if (!match) return '';
  let value = match[1]!;
  try {
    value = decodeURIComponent(value);
  } catch {
    // a malformed escape is kept as it is, as mixpanel-browser keeps it
  }
  return value.replace(/\+/g, ' ');
}

/**
 * The parameters of `names` found in `url`; with `missing` (null), every absent
 * one is there with that value, as `_.info.campaignParams(null)` gives them.
 */
export function paramsOf(url: string, names: string[], missing?: null): Props {
  const out: Props = {};
  for (const name of names) {
    const value = queryParam(url, name);
    if (value) out[name] = value;
    else if (missing === null) out[name] = missing;
  }
  return out;
}

/** The `utm_*` parameters of `url` (see `paramsOf`). */
export const campaignParams = (url: string, missing?: null): Props => paramsOf(url, CAMPAIGN_PARAMS, missing);

/** The click ids of `url`. */
export const clickParams = (url: string): Props => paramsOf(url, CLICK_IDS);
