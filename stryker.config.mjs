// Mutation testing (StrykerJS) of the learning rules, the Arrow data layer and optimal transport.
// Not part of CI (it runs every covering test file once per mutant: hours for all three folders
// on 2 cores). Run one folder at a time:
//
//   DISTILLERY_MUTATE=ot npm run mutation        # or data, algos; several: DISTILLERY_MUTATE=ot,data
//   DISTILLERY_MUTATE=algos DISTILLERY_MUTATE_FILES='src/algos/td3/*.ts' npm run mutation   # a subset
//
// Each folder is checked against its own test folder (test/<folder>/*.test.ts). The node:test
// files print TAP, which @stryker-mutator/tap-runner reads; a test *file* is Stryker's unit of
// test, so coverage analysis picks, per mutant, the test files that execute it.
// Reports: reports/mutation/<folders>.html and .json, or DISTILLERY_MUTATE_REPORT=<name> (not committed).
const folders = (process.env.DISTILLERY_MUTATE ?? 'algos,data,ot').split(',').map((s) => s.trim()).filter(Boolean);
const known = ['algos', 'data', 'ot'];
for (const f of folders) if (!known.includes(f)) throw new Error(`DISTILLERY_MUTATE: unknown folder ${f} (known: ${known.join(', ')})`);
const name = process.env.DISTILLERY_MUTATE_REPORT ?? folders.join('-');

const mutate = process.env.DISTILLERY_MUTATE_FILES
  ? process.env.DISTILLERY_MUTATE_FILES.split(',')
  : folders.flatMap((f) => [`src/${f}/**/*.ts`, `!src/${f}/**/index.ts`]);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'tap',
  plugins: ['@stryker-mutator/tap-runner'],
  tap: {
    testFiles: folders.map((f) => `test/${f}/*.test.ts`),
    nodeArgs: ['-r', '{{hookFile}}', '--conditions=distillery-source', '--import', 'tsx', '--test-reporter=tap', '{{testFile}}'],
    forceBail: true,
  },
  mutate,
  // Static mutants (module-level constants) would need every test file per mutant.
  ignoreStatic: true,
  coverageAnalysis: 'perTest',
  concurrency: Number(process.env.DISTILLERY_MUTATE_CONCURRENCY ?? 2),
  // tfjs and WASM start-up make the first run of a file slow; a generous timeout avoids false "timeout" kills.
  timeoutMS: 20_000,
  timeoutFactor: 2,
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
