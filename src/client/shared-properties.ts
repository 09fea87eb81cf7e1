/**
 * What every event of an instance carries until something changes: the
 * automatic properties (the URL's campaign parameters and click ids too,
 * unless `track_marketing: false`), the token and library fields, the persisted super
 * properties (identity included) and the `{ persistent: false }` ones, with
 * `property_blacklist` applied. Kept with its JSON so that `track()`
 * stringifies only the call's own part: the shared part is most of an event,
 * and it changes only when a method other than `track()` runs or the page moves.
 */
import { COMPATIBLE_LIB_VERSION, LIB_NAME, LIB_VERSION, LOADER_NAME } from '../constants';
import type { InstanceState } from './instance-state';
import { currentPage, type Page } from './environment';
import { rememberArrival } from './properties/marketing';
import type { Props } from './sanitize';

export interface SharedProperties {
  props: Props;
  /** The JSON of `props` without its closing brace. */
  head: string;
  count: number;
  /** Neither a super property nor the blacklist touches `time` or `$insert_id`: the automatic ones can be appended as they are. */
  plain: boolean;
}

/** The last shared part of each instance, and what it was made from. */
const made = new WeakMap<InstanceState, [changes: number, page: Page, blacklist: readonly string[], shared: SharedProperties]>();

/** Counts what may have changed what every event carries: both counts only grow, so their sum moves whenever either does. */
const changes = (core: InstanceState): number => core.rev + core.store.version;

/**
 * The shared part for `core`, made again when the page's automatic properties
 * are (a new URL, or `PAGE_PROPERTIES_MS` later), the blacklist is replaced,
 * a method other than `track()` or a getter has run since (`core.rev`: the
 * instance counts those, as any of them may change what every event carries),
 * or the persisted entry changed (`store.version`: another tab's write too).
 * Before that, the persisted properties get what mixpanel-browser registers
 * before each event (search engine, campaign, first referrer): the same
 * values while the page is the same, so registering them once per make is enough.
 */
export function sharedProperties(core: InstanceState): SharedProperties {
  const page = currentPage();
  const blacklist = core.config.property_blacklist;
  const last = made.get(core);
  if (last && last[0] === changes(core) && last[1] === page && last[2] === blacklist) return last[3];
  const { config, store } = core;
  store.update((persisted) => rememberArrival(persisted, config, page));
  const loader = typeof config.mp_loader === 'string' && config.mp_loader ? config.mp_loader : LOADER_NAME + '/' + LIB_VERSION;
  // mixpanel-browser's precedence: automatic < the URL's marketing parameters < super properties
  const props: Props = { ...page.props, mp_lib: LIB_NAME, $lib_version: COMPATIBLE_LIB_VERSION, mp_loader: loader };
  if (config.track_marketing) Object.assign(props, page.marketing);
  props.token = core.token;
  for (const k in store.props) if (!k.startsWith('__')) props[k] = store.props[k]!;
  Object.assign(props, core.extra);
  for (const b of blacklist) if (b !== 'token') delete props[b];
  const touched = (k: string) => k in props || blacklist.indexOf(k) >= 0;
  const shared = {
    props,
    head: JSON.stringify(props).slice(0, -1),
    count: Object.keys(props).length,
    plain: !touched('time') && !touched('$insert_id'),
  };
  made.set(core, [changes(core), page, blacklist, shared]);
  return shared;
}
