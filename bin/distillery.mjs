#!/usr/bin/env node
// The `distillery` command. Runs the compiled JavaScript of dist/ when it is built and up to date
// (fast start), else the TypeScript sources through tsx (a clone works without a build step).
import { distMode } from './dist-mode.mjs';

const { mode, why } = distMode();
if (process.env.DISTILLERY_DEBUG) process.stderr.write(`distillery: running from ${mode} (${why})\n`);
let main;
if (mode === 'dist') ({ main } = await import('../dist/src/cli/main.js'));
else {
  const { registerSource } = await import('./register-source.mjs');
  registerSource();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
