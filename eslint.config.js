import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

/** Forbids imports of the named sibling folders under src/ from files matching `files`. */
function layer(files, forbidden, message, { allowTypeImports = false, ignores = [] } = {}) {
  return {
    files: [files],
    ignores,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ regex: `(^|/)(src/)?(${forbidden.join('|')})(/|$)`, message, allowTypeImports }] },
      ],
    },
  };
}

export default ts.config(
  { ignores: ['dist/', '**/.wrangler/', 'node_modules/', 'worker-configuration.d.ts', 'e2e/artifacts/', 'coverage/', 'bench/results/'] },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
    },
  },
  {
    files: ['web/**/*.ts', 'web/**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: ts.parser, extraFileExtensions: ['.svelte'], svelteConfig } },
  },
  // SPEC §11: src/shared ← src/db ← {src/worker, src/objects}; web → src/shared only.
  layer('src/shared/**', ['db', 'worker', 'objects'], 'src/shared imports nothing of ours'),
  layer('src/db/**', ['worker', 'objects'], 'src/db imports src/shared only'),
  layer('src/objects/**', ['worker'], 'src/objects imports src/shared and src/db, never src/worker'),
  layer('src/worker/**', ['objects'], "src/worker may import the executor's types only (import type)", { allowTypeImports: true, ignores: ['src/worker/index.ts'] }),
  layer('web/**', ['db', 'worker', 'objects'], 'web imports src/shared only, never server code'),
  {
    // Test doubles of runtime types are sometimes loose; still flagged, without failing the build.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'warn' },
  },
  {
    files: ['e2e/**/*.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
);
