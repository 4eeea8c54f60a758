// ESM all the way: the project is "type": "module" (middy and Powertools are ESM-first).
// Jest runs with --experimental-vm-modules (see package.json) and ts-jest transpiles only;
// type checking is `npm run typecheck`, once for the whole project.
//
// Two projects: `unit` (test/unit, pure and fast, no Java, no broker, no downloads) and
// `integration` (test/integration and test/e2e, which start a real Kafka broker and so need the
// jars the global setup fetches). `npm test` runs both; `npm run test:unit` selects `unit`, and a
// project's globalSetup only runs when one of its tests is selected.
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  // Fetched jars, virtualenvs and packaging output hold package.json files of their own; they are
  // data for some tests, never modules.
  modulePathIgnorePatterns: ['<rootDir>/.cache/', '<rootDir>/.serverless/', '<rootDir>/.esbuild/', '<rootDir>/.build/'],
};

/** @type {import('jest').Config} */
export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/test/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/test/global-setup.js',
    },
  ],
  testTimeout: 30_000,
  // Integration and e2e suites share one Kafka broker per file; two workers fit 2 cores.
  maxWorkers: 2,
};
