// Transpile-only with SWC (fast, low memory on 2 cores); `npm run typecheck` does the type-checking once.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // fauxqs ships ESM only; jest runs CommonJS, so it is mapped to its file and transpiled by SWC.
  moduleNameMapper: { '^fauxqs$': '<rootDir>/node_modules/fauxqs/dist/app.js' },
  transformIgnorePatterns: ['/node_modules/(?!fauxqs/)'],
  transform: {
    '^.+\\.(t|j)sx?$': [
      '@swc/jest',
      { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
    ],
  },
  setupFiles: ['<rootDir>/local/polyfills.ts'],
  testTimeout: 120000,
  maxWorkers: 2,
};
