/**
 * Campaign parameters (`utm_*`) and ad click ids read from a URL, as
 * mixpanel-browser reads them (`_.info.campaignParams`, `_.info.clickParams`
 * and `_.getQueryParam` in its utils.js): the first `?name=` or `&name=`
 * anywhere in the URL (a hash route's query counts too), percent-decoded,
 * `+` read as a space, empty values left out.
 */
import type { Props } from '../sanitize';

/** The campaign parameters mixpanel-browser 2.83 reads, in its order. */
export const CAMPAIGN_PARAMS = [
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_content',
  'utm_term',
  'utm_id',
  'utm_source_platform',
  'utm_campaign_id',
  'utm_creative_format',
  'utm_marketing_tactic',
];

/** The ad click ids mixpanel-browser 2.83 reads. */
export const CLICK_IDS = ['dclid', 'fbclid', 'gclid', 'ko_click_id', 'li_fat_id', 'msclkid', 'sccid', 'ttclid', 'twclid', 'wbraid'];

/** One pattern per name, made once: these names hold no pattern characters. */
const patterns = new Map<string, RegExp>();

/** The value of query parameter `name` in `url`, `''` when absent. */
export function queryParam(url: string, name: string): string {
  let pattern = patterns.get(name);
  if (!pattern) patterns.set(name, (pattern = new RegExp('[?&]' + name + '=([^&#]*)')));
  const match = pattern.exec(url);
  if (!match) return '';
  let value = match[1]!;
  try {
    value = decodeURIComponent(value);
  } catch {
    // a malformed escape is kept as it is, as mixpanel-browser keeps it
  }
  return value.replace(/\+/g, ' ');
}

/** The parameters of `names` found in `url`; with `missing`, every absent one is there with that value. */
function paramsOf(url: string, names: string[], missing?: null): Props {
  const out: Props = {};
  for (const name of names) {
    const value = queryParam(url, name);
    if (value) out[name] = value;
    else if (missing !== undefined) out[name] = missing;
  }
  return out;
}

/** The `utm_*` parameters of `url`; with `missing` (null), the absent ones too, as `_.info.campaignParams(null)` gives them. */
export const campaignParams = (url: string, missing?: null): Props => paramsOf(url, CAMPAIGN_PARAMS, missing);

/** The click ids of `url`. */
export const clickParams = (url: string): Props => paramsOf(url, CLICK_IDS);
