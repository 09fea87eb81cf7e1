/**
 * What `init` does about how the visitor arrived, before the calls queued
 * before `init` replay, as mixpanel-browser does it before it executes its
 * snippet's queue (`create_mplib` and `_loaded` in its mixpanel-core.js): the
 * persisted campaign and referrer are brought up to date, the first page view
 * is tracked when `track_pageview` asks, and the first referrer and the
 * landing page's `initial_utm_*` are set once on the profile.
 *
 * These profile updates are the page's `people.set_once()`, as
 * mixpanel-browser makes them: made before `identify()` on the page, they
 * wait in the persisted set-once queue (`MixpanelPeople._enqueue`), reach the
 * profile with it when the visitor is identified, and never make a profile
 * for an anonymous one.
 */
import type { InstanceState } from './instance-state';
import { currentPage, isCrawlerPage } from './environment';
import { trackPageViews } from './page-views';
import { firstReferrer, firstTouch, forgetCampaign, rememberArrival } from './properties/marketing';
import type { Mixpanel } from './types';

/** What page views made by the option carry, as mixpanel-browser's do. */
const AUTOMATIC = { $mp_autocapture: true };

/** What `init` does about the visitor's arrival, before the queued calls replay. */
export function arrive(core: InstanceState, api: Mixpanel): void {
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
  for (const once of [firstReferrer(store.props), firstTouch(config, page.url)]) if (once) api.people.set_once(once);
}
