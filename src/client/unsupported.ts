/**
 * What Outlast does not do: session recording and feature flags. The methods
 * exist so that a migrating site's calls do nothing instead of throwing; each
 * says so once, in debug mode. The flags API answers every question with the
 * fallback the page gives, as mixpanel-browser does before its flags load.
 */
import type { Reporter } from '../utils/report';
import type { FlagVariant, Flags } from './types';

/**
 * Says once per topic, in debug mode, that a feature is not part of Outlast.
 * `reporter` gives the instance's current reporter: what was said through an
 * earlier one (before `init`, with the defaults) is said again through the next.
 */
export function onceInDebug(reporter: () => Reporter): (topic: string) => void {
  let said: Record<string, true> = {};
  let saidBy: Reporter | undefined;
  return (topic) => {
    const current = reporter();
    if (current !== saidBy) {
      saidBy = current;
      said = {};
    }
    if (said[topic]) return;
    said[topic] = true;
    current.debug(topic + ' is not part of Outlast; the call does nothing');
  };
}

/** `mixpanel.flags`: never ready, every answer the fallback. */
export function createFlags(say: (topic: string) => void): Flags {
  const note = () => say('feature flags');
  const later = <T>(value: T): Promise<T> => {
    note();
    return Promise.resolve(value);
  };
  const now = <T>(value: T): T => {
    note();
    return value;
  };
  return {
    are_flags_ready: () => now(false),
    load_flags: () => later(undefined),
    get_variant: (_name: string, fallback: FlagVariant) => later(fallback),
    get_variant_sync: (_name: string, fallback: FlagVariant) => now(fallback),
    get_variant_value: (_name: string, fallbackValue: unknown) => later(fallbackValue),
    get_variant_value_sync: (_name: string, fallbackValue: unknown) => now(fallbackValue),
    get_all_variants: () => later(new Map<string, FlagVariant>()),
    get_all_variants_sync: () => now(new Map<string, FlagVariant>()),
    is_enabled: (_name: string, fallbackValue = false) => later(fallbackValue),
    is_enabled_sync: (_name: string, fallbackValue = false) => now(fallbackValue),
    update_context: () => later(undefined),
    when_ready: () => later(undefined),
  };
}
