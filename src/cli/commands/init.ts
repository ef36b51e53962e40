import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { distilleryError, type DistilleryError } from '../../core/errors.ts';
import { parseCommandArgs } from '../args.ts';
import type { CommandIO } from '../io.ts';

/** The folder of the distillery package this CLI belongs to (walks up from this module). */
const packageRoot = (): string | undefined => {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'distillery') return dir;
  }
  return undefined;
};

const EXAMPLE = `/**
 * Your first pipeline: random and expert episodes of the point-mass maze, stored as Arrow files,
 * then summarized. Run it with \`npm start\` (or \`npx distillery run pipelines/first.ts\`).
 */
import { join } from 'node:path';
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { concatMap, from, map, mergeMap, toArray } from 'rxjs';
import { DistilleryFailure, PositiveInt, collectDataset, definePipeline, makeBehaviorPolicy, summarizeDatasets, table, withDefault, withEnv } from 'distillery';

export default definePipeline({
  name: 'first',
  description: 'random and expert episodes of the point-mass maze, summarized',
  params: t.type({ episodes: withDefault(PositiveInt, 10, 'episodes per dataset') }),
  graph: (p, ctx) =>
    withEnv({ env: 'pointmass/maze', tasks: ['left'], envConfig: {} }, (env) =>
      from(['random', 'expert'] as const).pipe(
        concatMap((kind) => {
          const policy = makeBehaviorPolicy('pointmass/maze', kind, {});
          if (E.isLeft(policy)) throw new DistilleryFailure(policy.left);
          return collectDataset(ctx, {
            env: env.family.make('left', env.config, ctx.rng.split(\`env/\${kind}\`).seed()),
            policy: policy.right,
            episodes: p.episodes,
            rng: ctx.rng.split(\`rollouts/\${kind}\`),
            path: join(ctx.datasetsDir, \`left-\${kind}.arrow\`),
            envConfig: env.config,
            id: kind,
            label: \`left \${kind}\`,
          }).pipe(mergeMap((path) => summarizeDatasets([path]).pipe(map((s) => [kind, s.tasks.left.episodes, s.tasks.left.return.mean] as const))));
        }),
        toArray(),
        map((rows) => ctx.emit(table('left: datasets', ['kind', 'episodes', 'mean return'], rows.map((r) => [...r])))),
      ),
    ),
});
`;

/** The versions distillery itself depends on, so the project's imports resolve to the same packages (npm dedupes them). */
const peers = (root: string | undefined): Record<string, string> => {
  const deps = root ? ((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {}) : {};
  return Object.fromEntries(['rxjs', 'io-ts', 'fp-ts'].filter((d) => deps[d]).map((d) => [d, deps[d]]));
};

const files = (name: string, dependency: string, shared: Record<string, string>): Record<string, string> => ({
  'package.json':
    JSON.stringify(
      {
        name,
        private: true,
        type: 'module',
        scripts: { start: 'distillery run pipelines/first.ts', check: 'tsc --noEmit' },
        dependencies: { distillery: dependency, ...shared },
        devDependencies: { typescript: '5.9.3', '@types/node': '20.9.5' },
      },
      null,
      2,
    ) + '\n',
  'tsconfig.json':
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
        },
        include: ['pipelines'],
      },
      null,
      2,
    ) + '\n',
  '.gitignore': 'node_modules/\nruns/\n',
  'pipelines/first.ts': EXAMPLE,
  'README.md': `# ${name}

Experiments with [Distillery](https://github.com/) in their own folder.

\`\`\`sh
npm install        # distillery, rxjs, io-ts, fp-ts (through distillery) and TypeScript
npm run check      # type-check every pipeline (do it before a long run)
npm start          # npx distillery run pipelines/first.ts → runs/first-<time>/
npx distillery run pipelines/first.ts --help     # its parameters
\`\`\`

A pipeline imports only from \`distillery\`, \`rxjs\`, \`io-ts\` and \`fp-ts\`, and default-exports
\`definePipeline({...})\`. \`distillery pipelines\` lists the built-in ones, whose sources are good models.
`,
});

/**
 * `distillery init <dir> [--from SPEC]`: a project folder for one's own pipelines. `--from` is the
 * npm spec of distillery to depend on (a packed tarball, a folder, a version); default: this
 * installation's folder.
 */
export const initCommand = async (argv: readonly string[], io: CommandIO): Promise<E.Either<DistilleryError, number>> => {
  const args = parseCommandArgs('init', argv, { from: { type: 'string' } }, { min: 1, max: 1, usage: '<dir> [--from tarball|folder|version]' });
  if (E.isLeft(args)) return args;
  const dir = resolve(args.right.positionals[0]);
  if (existsSync(dir) && (!statSync(dir).isDirectory() || readdirSync(dir).length > 0))
    return E.left(distilleryError('invalid-input', `${args.right.positionals[0]} exists and is not an empty directory`));
  const root = packageRoot();
  const from = typeof args.right.values.from === 'string' ? args.right.values.from : root ? `file:${root}` : undefined;
  if (!from) return E.left(distilleryError('not-found', 'cannot find the distillery package folder; give --from <tarball|folder|version>'));
  const name = basename(dir).toLowerCase().replace(/[^a-z0-9._-]/g, '-') || 'experiments';
  try {
    for (const [file, text] of Object.entries(files(name, from, peers(root)))) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
  } catch (e) {
    return E.left(distilleryError('io', `cannot write ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`));
  }
  io.stdout.write(`created ${dir} (distillery from ${from})\nnext: cd ${args.right.positionals[0]} && npm install && npm run check && npm start\n`);
  return E.right(0);
};
