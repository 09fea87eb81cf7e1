// Lint for people, not for bytes: terser minifies the build, so the source is written to be read.
// Type-aware rules catch promises nobody waits for; the import rules keep each folder to its part.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** `import type` only: the folder may name these modules' types but never pull in their code. */
const typesOnly = (group) => ({ group, allowTypeImports: true, message: 'only types may be imported across this boundary' });

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'test-results/',
      'bench-results/',
      'examples/spa/dist/',
      'examples/collector/data/',
      'examples/site/dashboard.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: {
        window: 'readonly',
        document: 'readonly',
        navigator: 'readonly',
        location: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        process: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        structuredClone: 'readonly',
        performance: 'readonly',
        queueMicrotask: 'readonly',
        crypto: 'readonly',
        localStorage: 'readonly',
        indexedDB: 'readonly',
        MessageChannel: 'readonly',
        Blob: 'readonly',
        btoa: 'readonly',
        atob: 'readonly',
      },
    },
    rules: {
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-sequences': 'error',
      'no-nested-ternary': 'error',
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      'no-restricted-properties': ['error', { property: 'innerHTML', message: 'strict CSP and Trusted Types: build DOM nodes instead' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: false, allowTernary: false }],
    },
  },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'vitest.config.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  {
    // the example pages run in a browser, after the snippet defined window.mixpanel
    files: ['examples/site/**/*.js', 'examples/spa/**/*.js'],
    languageOptions: { globals: { mixpanel: 'readonly', BroadcastChannel: 'readonly', Element: 'readonly', history: 'readonly' } },
  },
  // Import boundaries: what each part may reach (docs/architecture.md says why).
  {
    files: ['src/snippet/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [typesOnly(['*', '**', '../*', './*'])] }] },
  },
  {
    files: ['src/client/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [typesOnly(['../delivery/*', '../outbox/*', '../cdn/*', '../snippet/*'])] },
      ],
    },
  },
  {
    files: ['src/outbox/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [typesOnly(['../client/*', '../delivery/*', '../cdn/*', '../snippet/*'])] },
      ],
    },
  },
  {
    files: ['src/delivery/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [typesOnly(['../client/*', '../cdn/*', '../snippet/*', '../worker/*'])] },
      ],
    },
  },
  {
    files: ['src/utils/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [typesOnly(['../client/*', '../delivery/*', '../outbox/*', '../cdn/*', '../snippet/*'])] },
      ],
    },
  },
  {
    // the opt-in service worker: the library's delivery and outbox code, never the page's client
    files: ['src/worker/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [typesOnly(['../client/*', '../cdn/*', '../snippet/*'])] }],
    },
  },
  {
    files: ['src/cdn/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [typesOnly(['../delivery/*', '../outbox/*', '../snippet/*'])] }],
    },
  },
);
