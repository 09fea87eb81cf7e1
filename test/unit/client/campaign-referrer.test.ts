// Query parameters, campaign parameters, click ids, referring domain and
// search engine, against mixpanel-browser 2.83's `_.getQueryParam`,
// `_.info.campaignParams`, `_.info.clickParams`, `_.info.referringDomain`
// and `_.info.searchInfo` (utils.js).
import { describe, expect, it } from 'vitest';
import { CAMPAIGN_PARAMS, CLICK_IDS, campaignParams, clickParams, queryParam } from '../../../src/client/properties/campaign';
import { referringDomain, searchInfo } from '../../../src/client/properties/referrer';
import { reference } from './mixpanel-reference';

describe('queryParam (_.getQueryParam)', () => {
  it.each([
    ['https://shop.example.com/?utm_source=news', 'utm_source', 'news'],
    ['https://shop.example.com/?a=1&utm_source=a+b%20c', 'utm_source', 'a b c'],
    ['https://shop.example.com/?utm_source=%E0%A4%A', 'utm_source', '%E0%A4%A'],
    ['https://shop.example.com/?utm_source=', 'utm_source', ''],
    ['https://shop.example.com/?xutm_source=no', 'utm_source', ''],
    ['https://shop.example.com/?utm_source=first&utm_source=second', 'utm_source', 'first'],
    ['https://shop.example.com/#/landing?utm_source=hash', 'utm_source', 'hash'],
    ['https://shop.example.com/?utm_source=a#utm_medium=b', 'utm_medium', ''],
    ['https://shop.example.com/path', 'utm_source', ''],
  ])('%s, %s', (url, name, value) => {
    expect(queryParam(url, name)).toBe(value);
    expect(reference.getQueryParam(url, name)).toBe(value);
  });
});

describe('campaign parameters and click ids', () => {
  const LANDING =
    'https://shop.example.com/?utm_source=google&utm_medium=cpc&utm_campaign=spring&utm_content=ad1&utm_term=shoes&utm_id=42' +
    '&utm_source_platform=sa360&utm_campaign_id=c9&utm_creative_format=video&utm_marketing_tactic=prospecting' +
    '&gclid=G1&fbclid=F1&msclkid=M1&dclid=D1&ko_click_id=K1&li_fat_id=L1&sccid=S1&ttclid=T1&twclid=W1&wbraid=B1&other=x';

  it('reads the ten utm_* parameters mixpanel-browser reads, and nothing else (_.info.campaignParams)', () => {
    const expected = Object.fromEntries(CAMPAIGN_PARAMS.map((k) => [k, reference.getQueryParam(LANDING, k)]));
    expect(campaignParams(LANDING)).toEqual(expected);
    expect(Object.keys(expected)).toHaveLength(10);
    expect(expected.utm_marketing_tactic).toBe('prospecting');
  });

  it('reads the ten click ids (_.info.clickParams)', () => {
    expect(clickParams(LANDING)).toEqual(Object.fromEntries(CLICK_IDS.map((k) => [k, reference.getQueryParam(LANDING, k)])));
    expect(clickParams(LANDING).gclid).toBe('G1');
  });

  it('leaves out absent ones, or gives them null when asked, as campaignParams(null) does', () => {
    const url = 'https://shop.example.com/?utm_source=news';
    expect(campaignParams(url)).toEqual({ utm_source: 'news' });
    const filled = campaignParams(url, null);
    expect(Object.keys(filled)).toEqual(CAMPAIGN_PARAMS);
    expect(filled).toMatchObject({ utm_source: 'news', utm_medium: null, utm_marketing_tactic: null });
    expect(clickParams(url)).toEqual({});
  });
});

describe('referrer (_.info.referringDomain, _.info.searchInfo)', () => {
  it.each([
    ['https://www.google.com/search?q=running+shoes', 'www.google.com', { $search_engine: 'google', mp_keyword: 'running shoes' }],
    ['https://www.google.co.uk/url?sa=t', 'www.google.co.uk', { $search_engine: 'google' }],
    ['https://www.bing.com/search?q=shoes&form=QBLH', 'www.bing.com', { $search_engine: 'bing', mp_keyword: 'shoes' }],
    ['https://search.yahoo.com/search?p=shoes&q=ignored', 'search.yahoo.com', { $search_engine: 'yahoo', mp_keyword: 'shoes' }],
    ['https://duckduckgo.com/?q=shoes', 'duckduckgo.com', { $search_engine: 'duckduckgo', mp_keyword: 'shoes' }],
    ['https://news.example.com:8443/article?q=notasearch', 'news.example.com:8443', {}],
    // its pattern is not anchored to the host: "google." anywhere after the scheme counts
    ['http://example.com/?ref=https://www.google.com/', 'example.com', { $search_engine: 'google' }],
    ['android-app://com.google.android.gm/', 'com.google.android.gm', {}],
    ['', '', {}],
  ])('%s', (referrer, domain, search) => {
    expect(referringDomain(referrer)).toBe(domain);
    expect(reference.info.referringDomain(referrer)).toBe(domain);
    expect(searchInfo(referrer)).toEqual(search);
    expect(reference.info.searchInfo(referrer)).toEqual(search);
  });
});
