/**
 * What `init` does about how the visitor arrived, in mixpanel-browser's order
 * (`create_mplib` and `_loaded` in its mixpanel-core.js): before the calls
 * queued before `init` replay, the persisted campaign and referrer are brought
 * up to date, the first page view is tracked when `track_pageview` asks, and
 * the landing page's `initial_utm_*` are set once on the profile; after the
 * `loaded` callback, the first referrer is.
 *
 * These profile updates wait, as every mixpanel-browser profile update made
 * before `identify()` on the page does (`MixpanelPeople._enqueue`), in the
 * persisted `__mpso` set-once queue, whose name and shape are
 * mixpanel-browser's: they reach the profile with the queue when the visitor
 * is identified, and never make a profile for an anonymous one.
 */
import type { InstanceState } from './instance-state';
import { isRecord } from './values';
import { currentPage, isCrawlerPage } from './environment';
import { trackPageViews } from './page-views';
import { firstReferrer, firstTouch, forgetCampaign, rememberArrival } from './properties/marketing';
import type { Props } from './sanitize';
import type { Mixpanel } from './types';

/** mixpanel-browser's persisted queue of `people.set_once` updates made before `identify`. */
const SET_ONCE_QUEUE = '__mpso';

/** Adds `props` to the set-once queue, an earlier value of a key winning (mixpanel-browser's `_add_to_people_queue`). */
function holdSetOnce(core: InstanceState, props: Props): void {
  // as every people method of mixpanel-browser, nothing while opted out
  if (core.consent.out()) return;
  core.store.update((persisted) => {
    const queued = persisted[SET_ONCE_QUEUE];
    const queue: Props = isRecord(queued) ? queued : {};
    for (const key in props) if (!(key in queue)) queue[key] = props[key]!;
    persisted[SET_ONCE_QUEUE] = queue;
  });
}

/** What page views made by the option carry, as mixpanel-browser's do. */
const AUTOMATIC = { $mp_autocapture: true };

/** The part of `init` before the queued calls replay. */
export function arriveBeforeReplay(core: InstanceState, api: Mixpanel): void {
  const page = currentPage();
  const { config, store } = core;
  // both run first, so that a stopped campaign never reaches the first event
  store.update((persisted) => {
    forgetCampaign(persisted, config);
    rememberArrival(persisted, config, page);
  });
  if (config.track_pageview)
    trackPageViews(
      () => core.config.track_pageview,
      () => {
        api.track_pageview(AUTOMATIC);
        return !core.consent.out() && !isCrawlerPage();
      },
    );
  const landing = firstTouch(config, page.url);
  if (landing) holdSetOnce(core, landing);
}

/** The part of `init` after the `loaded` callback. */
export function arriveAfterLoaded(core: InstanceState): void {
  const referrer = firstReferrer(core.store.props);
  if (referrer) holdSetOnce(core, referrer);
}
