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
import { pathToFileURL } from 'node:url';
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
/**
 * The CLI as one ES module bundle with split chunks (dist/cli/, what the bin runs): loading a
 * few files instead of ~100 modules, and fp-ts/io-ts/rxjs/Arrow without Node's per-file ESM
 * resolution and CommonJS export scanning, halves the start-up of envs, inspect and replay
 * (issue 18). tfjs, MuJoCo and tsx stay external (loaded from node_modules when needed). The
 * commands that load pipelines, benchmarks or jobs (`run`, `pipelines`, `bench`, `job`) stay unbundled
 * (dist/src/cli/commands/), so a pipeline's `import … from 'distillery'` (dist/src/index.js)
 * shares every module with the code that runs it. esbuild comes with tsx (a dependency); without
 * it the bin runs dist/src/cli/main.js.
 */
async function bundleCli() {
  const out = join(dist, 'cli');
  rmSync(out, { recursive: true, force: true });
  let esbuild;
  try {
    const fromTsx = createRequire(createRequire(import.meta.url).resolve('tsx/package.json'));
    esbuild = await import(pathToFileURL(fromTsx.resolve('esbuild')).href);
  } catch (e) {
    process.stderr.write(`distillery build: no esbuild (${e.message.split('\n')[0]}); the CLI runs unbundled\n`);
    return;
  }
  const unbundled = /[\\/]dist[\\/]src[\\/]cli[\\/]commands[\\/](run|pipelines|bench|job)\.js$/;
  const keepCommandsOut = {
    name: 'unbundled-commands',
    setup(build) {
      build.onResolve({ filter: /^\.\/commands\/(run|pipelines|bench|job)\.js$/ }, (args) => {
        const file = join(args.resolveDir, args.path);
        return unbundled.test(file) ? { path: `../src/cli/commands/${args.path.slice('./commands/'.length)}`, external: true } : undefined;
      });
    },
  };
  const result = await (esbuild.build ?? esbuild.default.build)({
    entryPoints: { main: join(dist, 'src', 'cli', 'main.js') },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: out,
    external: ['@tensorflow/*', 'mujoco-js', 'onnxruntime-node', 'tsx', 'tsx/*'],
    plugins: [keepCommandsOut],
    // Bundled CommonJS (fp-ts, io-ts, rxjs) may call require().
    banner: { js: "import { createRequire as __distilleryRequire } from 'node:module'; const require = __distilleryRequire(import.meta.url);" },
    metafile: true,
    logLevel: 'warning',
  });
  // Which sources each chunk holds: the start-up test maps loaded chunks back to modules.
  writeFileSync(join(out, 'metafile.json'), JSON.stringify(result.metafile));
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
await bundleCli();
writeFileSync(join(dist, '.built'), `${started.toISOString()}\n`);
utimesSync(join(dist, '.built'), started, started);
