/**
 * Start-up (issue 18): commands that neither train nor read datasets load no heavy module. Each
 * case runs the real `distillery` bin in a child process with a preload that records every module
 * loaded (ESM loads through a resolve/load hook, CommonJS through require.cache at exit).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { main } from '../../src/cli/main.ts';
import { staticDescription } from '../../src/cli/commands/pipelines.ts';
import { listBuiltinPipelines } from '../../src/pipeline/load.ts';
import { captureIO } from '../helpers/io.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'bin', 'distillery.mjs');
const dir = mkdtempSync(join(tmpdir(), 'distillery-startup-'));

const hooks = join(dir, 'hooks.mjs');
writeFileSync(
  hooks,
  `import { appendFileSync } from 'node:fs';
export const load = async (url, context, next) => {
  appendFileSync(process.env.MODULE_TRACE, url + '\\n');
  return next(url, context);
};
`,
);
const preload = join(dir, 'trace.mjs');
writeFileSync(
  preload,
  `import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
register(${JSON.stringify(pathToFileURL(hooks).href)});
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => appendFileSync(process.env.MODULE_TRACE, Object.keys(cache).join('\\n') + '\\n'));
`,
);

/** Runs the bin with `args` and returns the exit code and every module file it loaded. */
const loadedModules = (args: readonly string[], env: Record<string, string> = {}): { code: number | null; modules: string[]; stderr: string } => {
  const trace = join(dir, `trace-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(trace, '');
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(preload).href, bin, ...args], {
    env: { ...process.env, NODE_OPTIONS: '', DISTILLERY_DEBUG: '', ...env, MODULE_TRACE: trace },
    encoding: 'utf8',
  });
  const loaded = readFileSync(trace, 'utf8').split('\n').filter(Boolean);
  return { code: r.status, modules: loaded.flatMap(bundledInputs), stderr: r.stderr };
};

/** A chunk of the bundled CLI (dist/cli/) stands for the modules bundled into it (esbuild's metafile). */
const bundledInputs = (loaded: string): string[] => {
  const file = loaded.startsWith('file:') ? fileURLToPath(loaded) : loaded;
  const rel = relative(root, file).split(sep).join('/');
  if (!/^dist\/cli\/.*\.js$/.test(rel)) return [loaded];
  const meta = JSON.parse(readFileSync(join(root, 'dist', 'cli', 'metafile.json'), 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> };
  return [loaded, ...Object.keys(meta.outputs[rel]?.inputs ?? {})];
};

const heavy = /@tensorflow|onnxruntime|mujoco-js|apache-arrow/;

for (const mode of ['default', 'source'] as const) {
  const env: Record<string, string> = mode === 'source' ? { DISTILLERY_SOURCE: '1' } : {};
  for (const args of [['--help'], ['envs'], ['--version']]) {
    test(`${args.join(' ')} (${mode === 'source' ? 'sources forced' : 'dist/ when built'}) loads neither tfjs, ORT, MuJoCo nor Arrow`, () => {
      const r = loadedModules(args, env);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.modules.some((m) => /distillery\.mjs$/.test(m)), 'the trace saw the bin');
      assert.deepEqual(r.modules.filter((m) => heavy.test(m)), []);
      const ownDist = [pathToFileURL(join(root, 'dist')).href + '/', join(root, 'dist') + sep];
      if (mode === 'source') assert.deepEqual(r.modules.filter((m) => ownDist.some((d) => m.startsWith(d))), [], 'DISTILLERY_SOURCE=1 runs no compiled code');
    });
  }
}

test('inspect loads Arrow but not tfjs', () => {
  const r = loadedModules(['inspect', join(dir, 'missing.arrow')]);
  assert.equal(r.code, 1);
  assert.deepEqual(r.modules.filter((m) => /@tensorflow|onnxruntime|mujoco-js/.test(m)), []);
});

test('the trace sees tfjs when a command loads it (so the checks above can fail)', () => {
  // A do-nothing pipeline: the runner still selects a tfjs backend. Inside the package, so that
  // io-ts and rxjs resolve; .scratch*/ is git-ignored.
  const scratch = mkdtempSync(join(root, '.scratch-startup-'));
  try {
    const file = join(scratch, 'probe.mjs');
    writeFileSync(
      file,
      `import * as t from 'io-ts';
import { EMPTY } from 'rxjs';
export default { _tag: 'Pipeline', name: 'probe', description: 'probe', params: t.type({}), graph: () => EMPTY };
`,
    );
    const r = loadedModules(['run', file, '--out', join(dir, 'probe-run'), '--backend', 'cpu', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.modules.some((m) => m.includes('@tensorflow/tfjs')), 'tfjs in the trace');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

test('--version prints the version of package.json', async () => {
  const io = captureIO();
  assert.equal(await main(['--version'], io), 0);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  assert.equal(io.out().trim(), `distillery ${pkg.version}`);
});

test('--help lists every command, pipelines among them', async () => {
  const io = captureIO();
  assert.equal(await main(['--help'], io), 0);
  for (const c of ['run', 'pipelines', 'replay', 'inspect', 'envs', 'rollout', 'bench', 'animate']) assert.match(io.out(), new RegExp(`distillery ${c}\\b`));
  assert.match(io.out(), /--version/);
});

test('pipelines lists every built-in pipeline with its one-line description', async () => {
  const io = captureIO();
  assert.equal(await main(['pipelines', '--json'], io), 0, io.err());
  const rows = JSON.parse(io.out()) as { name: string; description: string }[];
  assert.deepEqual(rows.map((r) => r.name), listBuiltinPipelines());
  assert.ok(rows.some((r) => r.name === 'mop'));
  for (const r of rows) assert.ok(r.description.length > 10 && !r.description.includes('\n'), `${r.name}: ${JSON.stringify(r.description)}`);
  const table = captureIO();
  assert.equal(await main(['pipelines'], table), 0);
  assert.match(table.out(), /^collect\s+\S/m);
});

test('a pipeline description is read from the file text, quotes and escapes included', () => {
  assert.equal(staticDescription(`export default definePipeline({\n  name: 'x',\n  description: 'It\\'s a "test" → fine',\n  params,`), `It's a "test" → fine`);
  assert.equal(staticDescription('definePipeline({ description: "double", name: "x" })'), 'double');
  assert.equal(staticDescription('definePipeline({ description: `tpl ${x}`, })'), undefined);
  assert.equal(staticDescription('const description = "no definePipeline call";'), undefined);
});
