// One lint config for the repo. Rules that encode the house style:
// - platform/request.ts is the only caller of my.request,
// - utils/ is pure and platform-free: no `my`, `window` or `document` there (the mini-program's
//   my.* wrappers live in platform/, the H5 page's browser code in h5/src/),
// - no console output of any kind in shipped mini-program and H5 code (personal data must not reach logs).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const miniProgramSources = ['app.ts', 'pages/**/*.ts', 'platform/**/*.ts', 'utils/**/*.ts', 'services/**/*.ts', 'config/**/*.ts'];

export default tseslint.config(
  { ignores: ['node_modules/', '**/dist/', 'data/', 'coverage/', 'artifacts/', 'bench/results.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: miniProgramSources,
    languageOptions: { globals: { my: 'readonly', App: 'readonly', Page: 'readonly', Component: 'readonly', getApp: 'readonly', getCurrentPages: 'readonly' } },
    rules: {
      'no-console': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='my'][property.name='request']", message: 'Only platform/request.ts calls my.request.' },
      ],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['platform/request.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    // Shared by the mini-program, the H5 page and the server: a platform global here is a bug.
    files: ['utils/**/*.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'my', message: 'utils/ is platform-free: call my.* from a wrapper in platform/.' },
        { name: 'window', message: 'utils/ is platform-free: browser code belongs in h5/src/.' },
        { name: 'document', message: 'utils/ is platform-free: browser code belongs in h5/src/.' },
      ],
    },
  },
  {
    // alipay-sdk is a dev dependency: tests run it as the independent cross-check of our keys,
    // cert SNs and certify URL (server/tests/alipay/), and the server never loads it.
    files: ['server/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'alipay-sdk', message: 'alipay-sdk is a dev dependency (the tests\' cross-check): use server/src/alipay/ instead.' }],
          patterns: [{ group: ['alipay-sdk/*'], message: 'alipay-sdk is a dev dependency (the tests\' cross-check): use server/src/alipay/ instead.' }],
        },
      ],
    },
  },
  {
    files: ['h5/src/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { 'no-console': 'error' },
  },
);
