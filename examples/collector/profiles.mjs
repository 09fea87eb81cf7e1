// User and group profiles built from /engage and /groups updates, applied as Mixpanel applies
// them: every update changes the profile, so a `$add` received twice adds twice.
import { isObject } from './payload.mjs';

/** @typedef {import('./types').Profile} Profile */
/** @typedef {import('./types').ProfileOperation} ProfileOperation */
/** @typedef {import('./types').Profiles} Profiles */

/**
 * The profile operations Mixpanel's /engage API documents (groups take the same ones but
 * `$add` and `$append`); anything else in an update is an attribute such as `$token` or `$ip`.
 * @type {readonly ProfileOperation[]}
 */
export const PROFILE_OPERATIONS = ['$set', '$set_once', '$add', '$append', '$union', '$remove', '$unset', '$delete'];

/**
 * JSON of a value, used to compare list items as Mixpanel compares them: by value.
 * @param {unknown} value
 */
const sameValue = (value) => JSON.stringify(value) ?? 'undefined';

/**
 * Applies one operation to a profile's properties, as Mixpanel's documentation describes:
 * `$set` overwrites; `$set_once` only sets missing properties; `$add` adds to a number
 * (a missing one counts as 0, a non-number is left alone); `$append` adds one item at the
 * end of a list (a missing property becomes a list of one, a non-list is left alone);
 * `$union` adds the items not yet in the list; `$remove` takes every equal item out of a
 * list; `$unset` deletes the named properties.
 * @param {Record<string, unknown>} props
 * @param {ProfileOperation} op
 * @param {unknown} arg
 */
function applyOperation(props, op, arg) {
  if (op === '$unset') {
    const names = Array.isArray(arg) ? arg : [arg];
    for (const name of names) delete props[String(name)];
    return;
  }
  if (!isObject(arg)) return;
  for (const [key, value] of Object.entries(arg)) {
    const current = props[key];
    if (op === '$set') props[key] = value;
    else if (op === '$set_once') {
      if (!(key in props)) props[key] = value;
    } else if (op === '$add') {
      if (typeof value === 'number' && current === undefined) props[key] = value;
      else if (typeof value === 'number' && typeof current === 'number') props[key] = current + value;
    } else if (op === '$append') {
      if (current === undefined) props[key] = [value];
      else if (Array.isArray(current)) current.push(value);
    } else if (op === '$union') {
      const items = Array.isArray(value) ? value : [value];
      if (current === undefined) props[key] = [];
      const list = props[key];
      if (!Array.isArray(list)) continue;
      for (const item of items) {
        if (!list.some((existing) => sameValue(existing) === sameValue(item))) list.push(item);
      }
    } else if (op === '$remove' && Array.isArray(current)) {
      props[key] = current.filter((existing) => sameValue(existing) !== sameValue(value));
    }
  }
}

/** @returns {Profile} */
const emptyProfile = () => ({ properties: {}, updates: 0, operations: {}, deleted: false });

/**
 * The key of a group profile in `Profiles.groups`: `<group key>/<group id>`.
 * @param {unknown} groupKey
 * @param {unknown} groupId
 */
export const groupProfileKey = (groupKey, groupId) => `${String(groupKey)}/${String(groupId)}`;

/** Creates an empty set of profiles. */
export function createProfiles() {
  /** @type {Map<string, Profile>} */
  let people = new Map();
  /** @type {Map<string, Profile>} */
  let groups = new Map();

  /**
   * Applies one update item of `/engage` (keyed by `$distinct_id`) or `/groups` (keyed by
   * `$group_key`/`$group_id`); items without their key are ignored. Operations of one
   * item are applied in the order the item lists them.
   * @param {'engage' | 'groups'} endpoint
   * @param {Record<string, unknown>} item
   */
  function apply(endpoint, item) {
    const table = endpoint === 'engage' ? people : groups;
    let key;
    if (endpoint === 'engage') key = item.$distinct_id === undefined ? undefined : String(item.$distinct_id);
    else if (item.$group_key !== undefined && item.$group_id !== undefined) key = groupProfileKey(item.$group_key, item.$group_id);
    if (key === undefined) return;
    let profile = table.get(key);
    if (!profile) {
      profile = emptyProfile();
      table.set(key, profile);
    }
    profile.updates++;
    for (const name of Object.keys(item)) {
      const op = /** @type {ProfileOperation} */ (name);
      if (!PROFILE_OPERATIONS.includes(op)) continue;
      profile.operations[op] = (profile.operations[op] ?? 0) + 1;
      if (op === '$delete') {
        profile.properties = {};
        profile.deleted = true;
      } else {
        profile.deleted = false;
        applyOperation(profile.properties, op, item[name]);
      }
    }
  }

  /**
   * A deep copy, so that callers can keep it while updates go on.
   * @returns {Profiles}
   */
  function snapshot() {
    /** @param {Map<string, Profile>} table */
    const copy = (table) => Object.fromEntries([...table].map(([key, profile]) => [key, structuredClone(profile)]));
    return { people: copy(people), groups: copy(groups) };
  }

  function clear() {
    people = new Map();
    groups = new Map();
  }

  return { apply, snapshot, clear };
}
