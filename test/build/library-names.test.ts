// The CDN file under a name that blocklists do not match, and the same bytes under the old name.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';

// EasyPrivacy's rules for Mixpanel's library path, as regular expressions on the URL
const EASYPRIVACY_LIBRARY_RULES = [/\/mixpanel\./, /\/mixpanel-[^/]*\.js/];

describe('library file names', () => {
  for (const file of ['dist/outlast.min.js', 'dist/outlast-with-sw.min.js'])
    it(`${file} matches no EasyPrivacy rule for Mixpanel`, () => {
      const url = `https://www.example.com/${file}`;
      expect(EASYPRIVACY_LIBRARY_RULES.filter((rule) => rule.test(url))).toEqual([]);
    });

  it('dist/mixpanel.min.js is the same file, for pages pasted before the rename', () => {
    expect(readFileSync('dist/mixpanel.min.js').equals(readFileSync('dist/outlast.min.js'))).toBe(true);
    expect(readFileSync('dist/mixpanel.min.js.sri', 'utf8')).toBe(readFileSync('dist/outlast.min.js.sri', 'utf8'));
  });
});
