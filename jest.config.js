/**
 * Two projects over one set of Redis servers (started once by the global setup): `fast`, and
 * `slow` for the suites that start whole processes or wait out real fail-overs. `npm test` runs
 * both; `npm run test:fast` only the first. A new suite that builds the service, drives a browser
 * or kills a server belongs in SLOW_SUITES.
 */
const SLOW_SUITES = [
  'test/bench/benchSmoke.test.ts', // builds and runs every benchmark server
  'test/server/npmStart.test.ts', // npm start: build, embedded Redis, child processes
  'test/pages/browser.test.ts', // headless Chromium
  'test/client/exampleTabs.test.ts', // headless Chromium, two tabs of the client example
  'test/client/dpopBrowser.test.ts', // headless Chromium, a DPoP-bound session
  'test/http/crossOriginBrowser.test.ts', // headless Chromium, a page on one origin and the service on another
  'test/http/clusterFailover.test.ts', // a 3-master, 3-replica Cluster losing a master
  'test/http/sentinelFailover.test.ts', // a master, a replica and three sentinels, the master killed twice
  'test/bench/chaosSmoke.test.ts', // npm run chaos -- --smoke: both deployments lose a master under load
  'test/package/packInstall.test.ts', // npm pack, then npm install and tsc in two fresh apps
  'test/docs/apiReference.test.ts', // TypeDoc over the whole public API, twice
];

const ESM_ONLY = '(openid-client|oauth4webapi|jose)';

const shared = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: {
    '^.+\\.ts$': ['@swc/jest'],
    // openid-client and the packages it imports ship only ES modules; jest's module system needs CommonJS.
    [`/node_modules/${ESM_ONLY}/.+\\.js$`]: ['@swc/jest', { module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!${ESM_ONLY}/)`],
  // The examples import the package by its name, as an app would.
  moduleNameMapper: {
    '^tessera-sessions$': '<rootDir>/src/index.ts',
    '^tessera-sessions/client$': '<rootDir>/src/client/index.ts',
    // The client SDK's imports name .js files, as browsers load its ES modules.
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...shared, displayName: 'fast', testMatch: ['**/*.test.ts'], testPathIgnorePatterns: ['/node_modules/', ...SLOW_SUITES.map(escapeSuite)] },
    { ...shared, displayName: 'slow', testMatch: SLOW_SUITES.map((suite) => `<rootDir>/${suite}`) },
  ],
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
  reporters: ['default', '<rootDir>/test/support/plainSummaryReporter.js'],
  // Global, not per project: jest reads testTimeout only from the top level.
  testTimeout: 30000,
  maxWorkers: 2,
};

/** testPathIgnorePatterns are regular expressions over the absolute path. */
function escapeSuite(suite) {
  return `/${suite.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
}
