#!/usr/bin/env node
// `npm run build` (and `prepare`, which npm install / npm ci / npm pack run): tsc → dist/
// (JavaScript + .d.ts), the plain-JS helpers and benchmark reference files copied beside them,
// then the stamp dist/.built that tells the CLI dist/ is complete (see dist-mode.mjs).
// Under `npm install`/`npm ci` a type error does not fail the install (the CLI then runs the
// sources and `npm run typecheck` shows the errors); under `npm pack`/`npm publish` and a plain
// `npm run build` it does.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from './dist-mode.mjs';

const dist = join(packageRoot, 'dist');
// An installed copy of the package ships dist/ and no sources: nothing to build.
if (!existsSync(join(packageRoot, 'tsconfig.build.json'))) process.exit(0);
const lenient = ['install', 'ci'].includes(process.env.npm_command ?? '');
rmSync(join(dist, '.built'), { force: true });
// The stamp carries the time the build started: a source edited while tsc runs makes dist/ stale.
const started = new Date();
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(packageRoot, 'tsconfig.build.json')], { stdio: 'inherit', cwd: packageRoot });
if (r.status !== 0) {
  process.stderr.write(`distillery build: tsc failed; dist/ is incomplete and the CLI will run the TypeScript sources\n`);
  process.exit(lenient ? 0 : (r.status ?? 1));
}
// Plain .mjs files of src/ (the worker bootstrap) are not emitted by tsc.
const copyMjs = (from, to) => {
  for (const e of readdirSync(from, { withFileTypes: true })) {
    if (e.isDirectory()) copyMjs(join(from, e.name), join(to, e.name));
    else if (e.name.endsWith('.mjs')) {
      mkdirSync(to, { recursive: true });
      cpSync(join(from, e.name), join(to, e.name));
    }
  }
};
copyMjs(join(packageRoot, 'src'), join(dist, 'src'));
cpSync(join(packageRoot, 'bench', 'reference'), join(dist, 'bench', 'reference'), { recursive: true });
writeFileSync(join(dist, '.built'), `${started.toISOString()}\n`);
utimesSync(join(dist, '.built'), started, started);
