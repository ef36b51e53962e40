import * as E from 'fp-ts/lib/Either.js';
import type { DistilleryError } from '../../core/errors.ts';
import { describeSpace, spaceToJson } from '../../core/spaces.ts';
import { CHECKSUM_KEY, datasetFields, describeType, encodeMetadata, openDatasetReader } from '../../data/index.ts';
import { parseCommandArgs } from '../args.ts';
import type { CommandIO } from '../io.ts';

/** Prints a dataset's schema (columns and types) and metadata without reading its rows. */
export const inspectCommand = async (argv: readonly string[], io: CommandIO): Promise<E.Either<DistilleryError, number>> => {
  const args = parseCommandArgs('inspect', argv, { json: { type: 'boolean' } }, { min: 1, max: 1, usage: '<file.arrow> [--json]' });
  if (E.isLeft(args)) return args;
  const opened = await openDatasetReader(args.right.positionals[0])();
  if (E.isLeft(opened)) return opened;
  const reader = opened.right;
  try {
    const columns = datasetFields(reader.shape).map((f) => ({ name: f.name, type: describeType(f.type), nullable: f.nullable }));
    const m = reader.metadata;
    if (args.right.values.json) {
      io.stdout.write(
        JSON.stringify({
          path: reader.path,
          rows: reader.numRows,
          recordBatches: reader.numRecordBatches,
          columns,
          metadata: { ...m, observationSpace: spaceToJson(m.observationSpace), actionSpace: spaceToJson(m.actionSpace) },
          checksums: reader.checksums ? (reader.checksums.applies ? 'present' : 'stale') : 'absent',
        }) + '\n',
      );
    } else {
      const lines = [
        `${reader.path}: ${reader.numRows} rows in ${reader.numRecordBatches} record batches`,
        '',
        'columns:',
        ...columns.map((c) => `  ${c.name.padEnd(20)} ${c.type}`),
        '',
        'metadata:',
        `  env                ${m.envId} ${JSON.stringify(m.envConfig)}`,
        `  tasks              ${m.tasks.join(', ')}`,
        `  behavior policy    ${m.behaviorPolicy}`,
        `  seed               ${m.seed}`,
        `  observation space  ${describeSpace(m.observationSpace)}`,
        `  action space       ${describeSpace(m.actionSpace)}`,
        `  created            ${m.createdAt}`,
        `  pipeline           ${m.pipeline}`,
        `  format version     ${m.formatVersion}`,
        `  checksums          ${reader.checksums ? (reader.checksums.applies ? `crc32 per record batch, checked on read (${CHECKSUM_KEY})` : 'written for another layout (rewritten by another tool), not checked') : 'none'}`,
        ...(m.extra !== undefined ? [`  extra              ${JSON.stringify(m.extra)}`] : []),
        '',
        `raw schema metadata keys: ${[...encodeMetadata(m).keys()].join(', ')}`,
      ];
      io.stdout.write(lines.join('\n') + '\n');
    }
  } finally {
    await reader.close();
  }
  return E.right(0);
};
