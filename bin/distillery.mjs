#!/usr/bin/env node
// The `distillery` command. Runs the compiled JavaScript of dist/ when it is built and up to date
// (fast start), else the TypeScript sources through tsx (a clone works without a build step).
import { distMode } from './dist-mode.mjs';

const { mode, why } = distMode();
if (process.env.DISTILLERY_DEBUG) process.stderr.write(`distillery: running from ${mode} (${why})\n`);
let main;
if (mode === 'dist') {
  // The bundled CLI (dist/cli/, bin/build.mjs), else the plain compiled modules.
  try {
    ({ main } = await import('../dist/cli/main.js'));
  } catch (e) {
    if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('dist/cli/main.js')) throw e;
    ({ main } = await import('../dist/src/cli/main.js'));
  }
}
else {
  const { registerSource } = await import('./register-source.mjs');
  registerSource();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
