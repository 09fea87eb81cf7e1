// Bundles and minifies src/snippet/snippet.ts in memory, as rollup.config.mjs does for dist/snippet.min.js,
// so the tests run the code that ships and never a stale dist file.
import { rollup, type OutputOptions } from 'rollup';
import typescript from '@rollup/plugin-typescript';
import terser from '@rollup/plugin-terser';

let built: Promise<string> | undefined;

export function buildSnippet(): Promise<string> {
  built ??= (async () => {
    const configUrl = new URL('../../../rollup.config.mjs', import.meta.url).href;
    const config = (await import(/* @vite-ignore */ configUrl)).default as Array<{ input: string; output: Array<Record<string, unknown>> }>;
    const entry = config.find((b) => b.input === 'src/snippet/snippet.ts');
    const bundle = await rollup({
      input: 'src/snippet/snippet.ts',
      plugins: [typescript({ tsconfig: './tsconfig.json', include: ['src/**/*.ts'], declaration: false, noEmitOnError: true })],
      onwarn: () => {},
    });
    // Same output options (format, terser settings) as the shipped build; files are not written.
    const output = (entry ? { ...entry.output[0], file: undefined } : { format: 'iife', plugins: [terser()] }) as OutputOptions;
    const { output: chunks } = await bundle.generate(output);
    await bundle.close();
    return chunks[0].code;
  })();
  return built;
}
