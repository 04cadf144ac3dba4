// Lint: type-aware rules everywhere; workflow code may not touch Node built-ins (it runs in Temporal's sandbox).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

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
  // Tests read loosely typed JSON answers; asserting on them is the type check.
  { files: ['test/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
);
