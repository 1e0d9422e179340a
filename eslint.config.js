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

  // Imports point down: src/app (the composition roots: the page's wiring, the worker's request
  // table) and src/features sit above the shared layers (src/state, src/worker, src/ui atoms,
  // src/mae), which never import them. Not yet under the rule, until they move up into src/app:
  // src/state/engine.ts (the page's composition root; ui/EngineContext.ts imports its type) and the
  // page shell (ui/App.tsx, Controls.tsx, Header.tsx, SettingsMenu.tsx).
  {
    files: ['src/state/**/*.{ts,tsx}', 'src/worker/**/*.ts', 'src/ui/**/*.{ts,tsx}', 'src/mae/**/*.ts'],
    ignores: ['src/state/engine.ts', 'src/ui/App.tsx', 'src/ui/Controls.tsx', 'src/ui/Header.tsx', 'src/ui/SettingsMenu.tsx'],
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
    files: ['src/ui/**/*.{ts,tsx}', 'src/main.tsx'],
    extends: [reactHooks.configs.flat.recommended],
  },
);
