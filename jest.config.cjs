'use strict';
/**
 * One jest run for the whole repo, one project per runtime:
 * - mini: mini-program sources under a fake `my` (tests/ mirrors the root tree),
 * - server: the Fastify backend and its gateway emulator, over real HTTP on ephemeral
 *   127.0.0.1 ports (the SDK must reach the emulator over HTTP to sign and verify for real),
 * - h5: the H5 page in Debian's Chromium via playwright-core.
 */
const tsJest = (tsconfig) => ({
  '^.+\\.ts$': ['ts-jest', { tsconfig, diagnostics: false }],
});

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
      transform: tsJest('<rootDir>/server/tsconfig.json'),
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
