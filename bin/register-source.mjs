// Running from the TypeScript sources (a clone without an up-to-date dist/): tsx compiles .ts on
// the fly, and 'distillery' resolves to src/index.ts. Also for worker threads, which do not
// inherit the main thread's loader hooks.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

let done = false;
export const registerSource = () => {
  if (done) return;
  done = true;
  registerTsx();
  // Registered last, so it runs first and tsx's resolver sees the added condition.
  register('./source-conditions.mjs', import.meta.url);
  globalThis.__distillerySource = true;
};
