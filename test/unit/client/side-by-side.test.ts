// The same visitor journeys through mixpanel-browser 2.83 (its own code, on a fake page) and
// through Outlast: every automatic property has the same name, type and value, ids and times
// aside. What differs on purpose is listed in DELIBERATE.
import { afterEach, describe, expect, it } from 'vitest';
import { CHROME_MAC, memoryStorage, removeBrowser, setup } from './fake-browser';
import { withMixpanelBrowser, type ReferenceLib } from './mixpanel-reference-page';

afterEach(() => removeBrowser());

/** Different on purpose: the ids and times of each run, and how Outlast names itself (mp_loader). */
const DELIBERATE = ['$insert_id', 'time', 'distinct_id', '$device_id', 'mp_loader'];

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1';
const LANDING = 'https://shop.example.com/spring?utm_source=google&utm_medium=cpc&utm_campaign=spring&gclid=G1&fbclid=F1';
const GOOGLE = 'https://www.google.com/search?q=running+shoes';

interface Load {
  url: string;
  referrer?: string;
  config?: Record<string, unknown>;
}
interface Journey {
  userAgent?: string;
  vendor?: string;
  /** Page loads of one visitor; the last one tracks an event and a page view. */
  loads: Load[];
}

const drop = (props: Record<string, unknown>) => {
  const out = { ...props };
  for (const k of DELIBERATE) delete out[k];
  return out;
};

function reference(j: Journey) {
  const storage = new Map<string, string>();
  let last: Record<string, unknown>[] = [];
  for (const load of j.loads)
    last = withMixpanelBrowser(
      { url: load.url, referrer: load.referrer, userAgent: j.userAgent ?? CHROME_MAC, vendor: j.vendor, storage },
      (mp: ReferenceLib) => {
        mp.init('tok', { persistence: 'localStorage', batch_requests: false, ...load.config });
        return [mp.track('Viewed', { sku: 'A1' })!.properties, mp.track_pageview()!.properties];
      },
    );
  return last.map(drop);
}

function outlast(j: Journey) {
  const storage = memoryStorage();
  let last: Record<string, unknown>[] = [];
  for (const load of j.loads) {
    const { lib, pipes } = setup({
      url: load.url,
      referrer: load.referrer,
      userAgent: j.userAgent,
      localStorage: storage,
      vendor: j.vendor,
    });
    // the reference's persistence too (Outlast's default is mixpanel-browser's default, a cookie)
    lib.init('tok', { persistence: 'localStorage', ...load.config });
    lib.track('Viewed', { sku: 'A1' });
    lib.track_pageview();
    last = pipes.events().map((e) => e.properties);
    removeBrowser();
  }
  return last.map(drop);
}

describe('automatic properties side by side with mixpanel-browser', () => {
  it.each<[string, Journey]>([
    ['a landing from a search ad', { loads: [{ url: LANDING, referrer: GOOGLE }] }],
    ['a direct visit on an iPhone', { userAgent: IPHONE, vendor: 'Apple Computer, Inc.', loads: [{ url: 'https://shop.example.com/' }] }],
    [
      'the next page of that landing',
      {
        loads: [
          { url: LANDING, referrer: GOOGLE },
          { url: 'https://shop.example.com/cart', referrer: 'https://shop.example.com/spring' },
        ],
      },
    ],
    [
      'a second campaign',
      {
        loads: [
          { url: LANDING, referrer: GOOGLE },
          { url: 'https://shop.example.com/?utm_source=newsletter&utm_term=shoes', referrer: 'https://mail.example.com/' },
        ],
      },
    ],
    [
      'stop_utm_persistence',
      {
        loads: [
          { url: LANDING, referrer: GOOGLE },
          { url: 'https://shop.example.com/cart', config: { stop_utm_persistence: true } },
        ],
      },
    ],
    ['track_marketing: false', { loads: [{ url: LANDING, referrer: GOOGLE, config: { track_marketing: false } }] }],
    ['save_referrer: false', { loads: [{ url: LANDING, referrer: 'https://news.example.com/a', config: { save_referrer: false } }] }],
  ])('%s', (_, journey) => {
    const theirs = reference(journey);
    const ours = outlast(journey);
    expect(ours).toHaveLength(2);
    expect(ours[0]).toEqual(theirs[0]);
    expect(ours[1]).toEqual(theirs[1]);
  });
});
