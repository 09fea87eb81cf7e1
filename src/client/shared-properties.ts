/**
 * What every event of an instance carries until something changes: the
 * automatic properties, the token and library fields, the persisted super
 * properties (identity included) and the `{ persistent: false }` ones, with
 * `property_blacklist` applied. Kept with its JSON so that `track()`
 * stringifies only the call's own part: the shared part is two thirds of an
 * event, and stringifying it again on every call was half of `track()`.
 */
import { LIB_NAME, LIB_VERSION } from '../constants';
import type { InstanceState } from './instance-state';
import { pageProperties } from './environment';
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
const made = new WeakMap<InstanceState, [rev: number, page: Props, blacklist: readonly string[], shared: SharedProperties]>();

/**
 * The shared part for `core`, made again when the page's automatic properties
 * are (a new URL, or `PAGE_PROPERTIES_MS` later), the blacklist is replaced,
 * or a method other than `track()` or a getter has run since (`core.rev`: the
 * instance counts those, as any of them may change what every event carries).
 */
export function sharedProperties(core: InstanceState): SharedProperties {
  const page = pageProperties();
  const blacklist = core.config.property_blacklist;
  const last = made.get(core);
  if (last && last[0] === core.rev && last[1] === page && last[2] === blacklist) return last[3];
  const props: Props = { ...page, token: core.token, mp_lib: LIB_NAME, $lib_version: LIB_VERSION };
  for (const k in core.store.props) if (!k.startsWith('__')) props[k] = core.store.props[k]!;
  Object.assign(props, core.extra);
  for (const b of blacklist) if (b !== 'token') delete props[b];
  const touched = (k: string) => k in props || blacklist.indexOf(k) >= 0;
  const shared = {
    props,
    head: JSON.stringify(props).slice(0, -1),
    count: Object.keys(props).length,
    plain: !touched('time') && !touched('$insert_id'),
  };
  made.set(core, [core.rev, page, blacklist, shared]);
  return shared;
}
