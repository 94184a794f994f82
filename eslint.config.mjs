// Lint rules that guard the house boundaries: the storage core and the pure key logic never see `vscode`; outside
// src/storage the storage floor is reached through its index; adapters and commands take only types and errors there.
import tseslint from 'typescript-eslint';

const noVscode = {
  'no-restricted-imports': ['error', {
    paths: [{ name: 'vscode', message: 'src/storage and the pure key logic must not depend on VS Code.' }],
  }],
};

/** Outside src/storage, the storage floor is imported through src/storage/index.ts and nowhere deeper. */
const throughStorageIndex = {
  regex: '(^|/)storage/',
  message: 'Import the storage floor through its index (../storage), the one door (see src/storage/index.ts).',
};

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.tools/**', 'test-results/**', '*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        // node:test's describe/it return promises the runner itself tracks.
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }],
      }],
      curly: 'error',
      eqeqeq: ['error', 'always'],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  { files: ['src/storage/**/*.ts'], rules: noVscode },
  {
    // The key logic and the objects service reach the storage floor through its index only.
    files: ['src/keys/**/*.ts', 'src/objects/**/*.ts'],
    ignores: ['src/keys/secretKeyRing.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: noVscode['no-restricted-imports'][1].paths,
        patterns: [throughStorageIndex],
      }],
    },
  },
  {
    // Adapters and commands reach the store only through the objects service: from the storage floor they may take
    // types and errors (through its index), never the client, the transfer engine or the transport.
    files: ['src/vscode/**/*.ts', 'src/commands/**/*.ts', 'src/extension.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          throughStorageIndex,
          {
            regex: '(^|/)storage$',
            allowTypeImports: true,
            allowImportNames: ['StorageError', 'isStorageError'],
            message: 'Adapters and commands reach the store only through src/objects (one door to the store); from storage only errors, and types with `import type`.',
          },
        ],
      }],
    },
  },
);
