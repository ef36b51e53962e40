// Whether the CLI can run from the compiled dist/ (fast start) or must run the TypeScript sources
// through tsx. dist/ is used when its build stamp (dist/.built, written by bin/build.mjs after a
// clean tsc run) is newer than every file under src/, bench/ and pipelines/ — a clone whose
// sources were edited after `npm install` runs the sources until `npm run build`. An installed
// package (no src/) always runs dist/. DISTILLERY_SOURCE=1 forces the sources.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageRoot = fileURLToPath(new URL('../', import.meta.url));

const newerThan = (dir, t) => {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && newerThan(p, t)) return true;
    } else if (statSync(p).mtimeMs > t) return true;
  }
  return false;
};

/** 'dist' or 'source', and why. */
export const distMode = () => {
  if (process.env.DISTILLERY_SOURCE === '1') return { mode: 'source', why: 'DISTILLERY_SOURCE=1' };
  if (!existsSync(join(packageRoot, 'src', 'cli', 'main.ts'))) return { mode: 'dist', why: 'installed package (no sources)' };
  let stamp;
  try {
    stamp = statSync(join(packageRoot, 'dist', '.built')).mtimeMs;
  } catch {
    return { mode: 'source', why: 'dist/ is not built (npm run build)' };
  }
  for (const d of ['src', 'bench', 'pipelines'])
    if (newerThan(join(packageRoot, d), stamp)) return { mode: 'source', why: `${d}/ changed after the last build (npm run build)` };
  return { mode: 'dist', why: 'dist/ is up to date' };
};
