// After the build: write the snippet as a paste-ready HTML fragment and print the CDN file's SRI hash.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';

export function snippetArtifacts() {
  return {
    name: 'outlast-snippet-artifacts',
    writeBundle() {
      const body = readFileSync('dist/snippet.min.js', 'utf8').trim();
      writeFileSync('dist/snippet.html', `<script>${body}</script>\n`);
      if (existsSync('dist/mixpanel.min.js')) {
        const sri = 'sha384-' + createHash('sha384').update(readFileSync('dist/mixpanel.min.js')).digest('base64');
        writeFileSync('dist/mixpanel.min.js.sri', sri + '\n');
        console.log(`dist/mixpanel.min.js integrity (for MIXPANEL_LIB_INTEGRITY): ${sri}`);
      }
    },
  };
}
