'use strict';
/**
 * One jest run for the whole repo, one project per runtime:
 * - mini: mini-program sources under a fake `my` (tests/ mirrors the root tree),
 * - server: the Fastify backend through app.inject(), and its gateway emulator over real HTTP
 *   on ephemeral 127.0.0.1 ports (the SDK must reach the emulator over HTTP to sign and
 *   verify for real; tests about sockets themselves listen too),
 * - cloud: the Serverless variant's cloud functions in an emulated cloud over the gateway emulator,
 * - h5: the H5 page in Debian's Chromium via playwright-core.
 */
const tsJest = (tsconfig) => ({
  '^.+\\.ts$': ['ts-jest', { tsconfig, diagnostics: false }],
});

/** light-my-request's own copy of cookie@2 (the root's cookie is 0.7, for other packages). */
const LIGHT_MY_REQUEST_COOKIE = '/light-my-request/node_modules/cookie/dist/index\\.js$';

module.exports = {
  projects: [
    {
      displayName: 'mini',
      testEnvironment: 'node',
      roots: ['<rootDir>/tests'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/tests/h5/'],
      transform: tsJest('<rootDir>/tests/tsconfig.json'),
    },
    {
      displayName: 'server',
      testEnvironment: 'node',
      roots: ['<rootDir>/server/tests'],
      testMatch: ['**/*.test.ts'],
      transform: {
        ...tsJest('<rootDir>/server/tsconfig.json'),
        // app.inject()'s light-my-request needs cookie@2, which ships as an ES module only; jest 29
        // cannot load one through require, so ts-jest rewrites that one file to CommonJS.
        [LIGHT_MY_REQUEST_COOKIE]: ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs' }, diagnostics: false }],
      },
      transformIgnorePatterns: [`^(?!.*${LIGHT_MY_REQUEST_COOKIE}).*/node_modules/`],
    },
    {
      // The Serverless variant (cloud/): its two cloud functions run in an emulated cloud over
      // the gateway emulator, which listens on an ephemeral 127.0.0.1 port as for the server.
      displayName: 'cloud',
      testEnvironment: 'node',
      roots: ['<rootDir>/cloud/tests'],
      testMatch: ['**/*.test.ts'],
      transform: tsJest('<rootDir>/cloud/tsconfig.json'),
    },
    {
      displayName: 'h5',
      testEnvironment: 'node',
      roots: ['<rootDir>/tests/h5'],
      testMatch: ['**/*.test.ts'],
      transform: tsJest('<rootDir>/h5/tsconfig.json'),
    },
  ],
};
