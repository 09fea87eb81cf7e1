/**
 * What the referrer says, as mixpanel-browser reads it: its host
 * (`_.info.referringDomain`), and whether it is a search engine and with
 * which keyword (`_.info.searchEngine`, `_.info.searchInfo`).
 */
import type { Props } from '../sanitize';
import { queryParam } from './campaign';

/** The third `/`-separated part of a URL (the host, with its port), `''` when there is none. */
export function referringDomain(referrer: string): string {
  return referrer.split('/')[2] || '';
}

/** Search engines by the pattern their result pages' URLs start with, in mixpanel-browser's order. */
const ENGINES: [name: string, pattern: RegExp][] = [
  ['google', /^https?:\/\/(.*)google.([^/?]*)/],
  ['bing', /^https?:\/\/(.*)bing.com/],
  ['yahoo', /^https?:\/\/(.*)yahoo.com/],
  ['duckduckgo', /^https?:\/\/(.*)duckduckgo.com/],
];

/** The search engine `referrer` comes from, or null. */
export function searchEngine(referrer: string): string | null {
  const engine = ENGINES.find(([, pattern]) => pattern.test(referrer));
  return engine ? engine[0] : null;
}

/** `$search_engine` and `mp_keyword` (Yahoo's is `p`, the others' `q`) when `referrer` is a search engine; else nothing. */
export function searchInfo(referrer: string): Props {
  const engine = searchEngine(referrer);
  if (engine === null) return {};
  const out: Props = { $search_engine: engine };
  const keyword = queryParam(referrer, engine === 'yahoo' ? 'p' : 'q');
  if (keyword) out.mp_keyword = keyword;
  return out;
}
