// After the build: write the snippet as a paste-ready HTML fragment and the CDN file's SRI hash
// next to each of its names (dist/outlast.min.js and its copy under the old name, dist/mixpanel.min.js).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';

export const LIBRARY_FILES = ['dist/outlast.min.js', 'dist/mixpanel.min.js'];

export function snippetArtifacts() {
  return {
    name: 'outlast-snippet-artifacts',
    writeBundle() {
      const body = readFileSync('dist/snippet.min.js', 'utf8').trim();
      writeFileSync('dist/snippet.html', `<script>${body}</script>\n`);
      for (const file of LIBRARY_FILES) {
        if (!existsSync(file)) continue;
        const sri = 'sha384-' + createHash('sha384').update(readFileSync(file)).digest('base64');
        writeFileSync(`${file}.sri`, sri + '\n');
        console.log(`${file} integrity (for MIXPANEL_LIB_INTEGRITY): ${sri}`);
      }
    },
  };
}
