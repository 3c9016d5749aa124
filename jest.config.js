const ESM_ONLY = '(openid-client|oauth4webapi|jose)';

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest'],
    // openid-client and the packages it imports ship only ES modules; jest's module system needs CommonJS.
    [`/node_modules/${ESM_ONLY}/.+\\.js$`]: ['@swc/jest', { module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!${ESM_ONLY}/)`],
  // The examples import the package by its name, as an app would.
  moduleNameMapper: { '^tessera-sessions$': '<rootDir>/src/index.ts' },
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
  testTimeout: 30000,
  reporters: ['default', '<rootDir>/test/support/plainSummaryReporter.js'],
  maxWorkers: 2,
};
