/**
 * The methods a call saved in localStorage by an earlier page may replay.
 * Whatever is in storage can have been written by any script of the origin (an
 * XSS on another page, an extension), so saved calls are data, not code: only
 * tracking, identity and profile calls (a Group's updates included), never configuration (`set_config`, `init`,
 * `opt_in_tracking`, `reset`), which could redirect the outbox to another host
 * or undo a visitor's choice. `opt_out_tracking` stays: a visitor who said no
 * on a page that closed before the library ran must be heard. Anchored, so
 * that no other name (`constructor`, `__proto__.set_config`) matches.
 */
export const REPLAYABLE_SAVED_METHOD =
  /^(?:track|track_pageview|register|register_once|unregister|identify|alias|time_event|opt_out_tracking|people\.(?:set|set_once|unset|increment|append|union|remove)|get_group\.(?:set|set_once|unset|union|remove))$/;
