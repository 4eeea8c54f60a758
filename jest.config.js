// ESM all the way: the project is "type": "module" (middy and Powertools are ESM-first).
// Jest runs with --experimental-vm-modules (see package.json) and ts-jest transpiles only;
// type checking is `npm run typecheck`, once for the whole project.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  globalSetup: '<rootDir>/test/global-setup.js',
  testTimeout: 30_000,
  // Integration and e2e suites share one Kafka broker per file; two workers fit 2 cores.
  maxWorkers: 2,
};
