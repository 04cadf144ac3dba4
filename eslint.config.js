// Lint: type-aware rules everywhere; workflow code may not touch Node built-ins (it runs in Temporal's sandbox);
// the layers import only downwards (api, worker → workflows/activities → payments/email/db → domain).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

/** Imports a folder may not make: one `no-restricted-imports` per folder (the folders are disjoint, so none overrides another). */
const layer = (files, patterns, ignores = []) => ({ files: [files], ignores, rules: { 'no-restricted-imports': ['error', { patterns }] } });

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: builtinModules.map((name) => ({
            name,
            message: 'Workflow code is deterministic and bundled for the Temporal sandbox: no Node built-ins.',
          })),
          patterns: [
            // builtinModules omits modules that exist only with the prefix (node:test, node:sea).
            { group: ['node:*'], message: 'Workflow code is deterministic and bundled for the Temporal sandbox: no Node built-ins.' },
            { group: ['**/activities/*', '**/db/*', '**/api/*', '**/payments/*', '**/email/*'], allowTypeImports: true, message: 'Workflows import only @temporalio/workflow, domain/ and activity types.' },
          ],
        },
      ],
    },
  },
  // Every run shares these modules (src/wiring.ts, PRELOADED_WORKFLOW_MODULES): module scope may define, never hold state.
  {
    files: ['src/workflows/**/*.ts', 'src/domain/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...['Program > VariableDeclaration', 'Program > ExportNamedDeclaration > VariableDeclaration'].flatMap((at) => [
          { selector: `${at}[kind!='const']`, message: 'Workflow runs share this module: a module-level let or var would carry state from one run into another.' },
          { selector: `${at} > VariableDeclarator > NewExpression.init`, message: 'Workflow runs share this module: a module-level object built with new (a Map, a Set) would carry state from one run into another.' },
        ]),
      ],
    },
  },
  // The layering, written down so it stays true. Patterns are regular expressions over the import specifier.
  layer('src/api/**/*.ts', [
    { regex: '(^|/)activities(/|$)', message: 'The API starts workflows; it never imports activities (they run in the worker). Shared helpers belong in db/, auth/ or domain/.' },
  ]),
  layer('src/db/**/*.ts', [{ regex: '^(\\.\\./)+(api|activities|workflows)(/|$)', message: 'db/ sits below the API, activities and workflows: it imports domain/ and its own files.' }]),
  layer('src/domain/**/*.ts', [{ regex: '^(?!\\./)', message: 'domain/ is pure and imports only domain/.' }]),
  layer('src/email/copy.ts', [{ regex: '^\\./templates\\.js$', message: 'The words (copy.ts) come before the layout (templates.ts), which imports them.' }]),
  // Activity files share helpers through db/, auth/ or deps.ts, never sideways; index.ts assembles them all.
  layer('src/activities/**/*.ts', [
    { regex: '^\\./(?!deps\\.js$)', message: 'Activity files do not import each other: move the shared helper down into db/ (or deps.ts).' },
    { regex: '^(\\.\\./)+(api|workflows)(/|$)', message: 'Activities sit below the API and the workflows that call them: shared names belong in domain/, db/ or auth/.' },
  ], ['src/activities/index.ts', 'src/activities/deps.ts']),
  // Tests read loosely typed JSON answers; asserting on them is the type check.
  { files: ['test/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  // The failure converter is CommonJS because the Temporal SDK require()s it by path (src/codec/failureConverter.cjs).
  { files: ['**/*.cjs'], ...tseslint.configs.disableTypeChecked, languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', exports: 'writable' }, parserOptions: { projectService: false, project: null } }, rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' } },
);
