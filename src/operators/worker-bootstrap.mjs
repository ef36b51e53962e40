// Worker threads do not inherit the loader hooks of the main thread: register them, then run the
// worker entry (whose URL the parent passes, so this file serves sources and compiled code).
//  - From the sources (entry is worker-entry.ts): tsx, and 'distillery' resolves to src/index.ts,
//    exactly as in the main thread (bin/register-source.mjs). Under `npm test` the
//    --conditions=distillery-source flag is inherited as well; registering again is harmless.
//  - From dist/ with a user's .ts job module: tsx only; 'distillery' resolves to dist/ as in the
//    main thread.
import { workerData } from 'node:worker_threads';

if (workerData.entry.endsWith('.ts')) {
  const { registerSource } = await import(new URL('../../bin/register-source.mjs', import.meta.url).href);
  registerSource();
} else {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(workerData.entry);
