// Lint rules that guard the house boundaries: the storage core and the pure key logic never see `vscode`.
import tseslint from 'typescript-eslint';

const noVscode = {
  'no-restricted-imports': ['error', {
    paths: [{ name: 'vscode', message: 'src/storage and the pure key logic must not depend on VS Code.' }],
  }],
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
  { files: ['src/storage/**/*.ts', 'src/keys/**/*.ts', 'src/objects/**/*.ts'], ignores: ['src/keys/secretKeyRing.ts'], rules: noVscode },
  {
    // Adapters and commands reach the store only through the objects service.
    files: ['src/vscode/**/*.ts', 'src/commands/**/*.ts', 'src/extension.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          regex: '(^|/)storage/(client|transfer|transport)(/|$)',
          message: 'Adapters and commands reach the store only through src/objects (one door to the store).',
        }],
      }],
    },
  },
);
