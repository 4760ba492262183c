import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['lib/**', 'node_modules/**', 'data/**', 'appPackage/build/**', 'coverage/**', 'devTools/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly', URL: 'readonly', fetch: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['src/onboarding/**/*.ts', 'src/cards/**/*.ts', 'src/services/**/*.ts', 'src/store/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['botbuilder', 'botbuilder-*', 'botframework-*'], message: 'The domain core and services stay free of Bot Framework types (PRODUCT.md).' },
        { group: ['../bot/*', '../dialogs/*'], message: 'Imports point inward: bot -> dialogs -> onboarding -> services/store.' },
      ] }],
    },
  },
  {
    files: ['src/store/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['src/sandbox/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['../*', '!../sandbox/*'], message: 'The simulated cloud imports nothing of ours (PRODUCT.md).' },
      ] }],
    },
  },
);
