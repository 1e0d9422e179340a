// ESLint flat config. `npm run lint` runs it over the whole repository.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default defineConfig(
  // Build outputs, caches, run artefacts, vendored runtime files and non-JS trees.
  globalIgnores([
    'dist/',
    'dist-*/',
    'node_modules/',
    '.cache/',
    'runs/',
    'artifacts/',
    'test-results/',
    'public/ort/',
    'python/',
    'models/',
    'zoo-*/',
  ]),

  // Plain JavaScript (ESM) scripts run by Node. The bench and soak scripts drive a browser
  // through Playwright and hand it callbacks (page.evaluate) that run in the page or a worker,
  // so browser globals are known here too (as for the e2e specs below).
  {
    files: ['bench/**/*.mjs', 'scripts/**/*.mjs', 'e2e/**/*.mjs', 'src/cli/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'module',
      globals: { ...globals.node, ...globals.browser },
    },
  },

  // TypeScript: recommended + type-checked rules for the code in tsconfig.json (src, tests, e2e).
  {
    files: ['src/**/*.{ts,tsx}', 'e2e/**/*.ts', 'tests/**/*.ts', 'scripts/**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  // Tool configs at the root (not all in tsconfig.json): recommended rules without type information.
  {
    files: ['*.config.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
  },
  {
    files: ['src/**/*.{ts,tsx}', 'e2e/**/*.ts', 'tests/**/*.ts', 'scripts/**/*.ts', '*.config.ts'],
    rules: {
      // `_`-prefixed names mark deliberately unused parameters / destructured leftovers.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },

  // Browser app code; the worker folder also runs inside Web Workers.
  {
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['src/cli/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['src/worker/**/*.ts'],
    languageOptions: { globals: { ...globals.worker } },
  },

  // Imports point down: src/app (the composition roots: the page's engine and shell, the worker's
  // request table) above src/features, above the shared layers (src/state, src/worker, src/ui
  // atoms, src/mae), which never import a feature or the app. A feature declares what it needs from
  // the page as its own context (e.g. features/models/model-actions.ts) and src/app provides it.
  {
    files: ['src/state/**/*.{ts,tsx}', 'src/worker/**/*.ts', 'src/ui/**/*.{ts,tsx}', 'src/mae/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/features/**', '**/app/**'],
              message:
                'A shared layer (state, worker, ui, mae) does not import a feature or the app layer: pass what it needs in, or move the piece down.',
            },
          ],
        },
      ],
    },
  },
  // Below the features the shared layers point down too: ui → state → worker → mae. (A later block
  // for the same files replaces the rule's options, so each repeats the groups above.)
  {
    files: ['src/state/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/features/**', '**/app/**', '**/ui/**'],
              message: 'src/state sits below src/ui and above src/worker: it imports no feature, no app file and no UI.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/worker/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/features/**', '**/app/**', '**/ui/**', '**/state/**'],
              message: 'src/worker sits right above src/mae: it imports no feature, no app file, no UI and not the store.',
            },
          ],
        },
      ],
    },
  },
  // Features never reach up into the app layer either (they are wired by it).
  {
    files: ['src/features/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/app/**'],
              message: 'A feature does not import src/app: declare what it needs (a context or a parameter) and let src/app provide it.',
            },
          ],
        },
      ],
    },
  },
  // The core is plain TypeScript: no React, no DOM (it also runs in Node: the CLI and the tests).
  {
    files: ['src/mae/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/features/**', '**/app/**', '**/state/**', '**/worker/**', '**/ui/**'],
              message: 'src/mae is the bottom layer: it imports nothing of the app.',
            },
            {
              group: ['react', 'react/*', 'react-dom', 'react-dom/*', 'zustand', 'zustand/*'],
              message: 'src/mae has no React and no UI state.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        'window',
        'document',
        'navigator',
        'self',
        'HTMLElement',
        'HTMLCanvasElement',
        'OffscreenCanvas',
        'createImageBitmap',
      ],
    },
  },

  // Node-side TypeScript: the CLI, unit/node tests, tool configs; e2e specs also pass
  // callbacks that run in the page, so they see browser globals too.
  {
    files: ['src/cli/**/*.ts', 'tests/**/*.ts', '*.config.ts'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['e2e/**/*.ts'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },

  // React components and hooks.
  {
    files: ['src/ui/**/*.{ts,tsx}', 'src/app/**/*.{ts,tsx}', 'src/features/**/*.tsx', 'src/main.tsx'],
    extends: [reactHooks.configs.flat.recommended],
  },
);
