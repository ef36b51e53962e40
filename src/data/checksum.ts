/**
 * Optional checksums of a dataset's bytes, in the schema metadata under `distillery.checksum`:
 * `{"algorithm": "crc32", "recordBatches": [{"end", "crc32"}, …], "schema": crc}`. Checksum i covers the file's bytes from
 * the end of record batch i − 1 (the start of the file for i = 0) to the end of record batch i:
 * its header and body, and for the first one the magic and the dictionary batch too. Together
 * they cover every byte before the footer, and each record batch can be checked on its own as it
 * is read (one read of a range that already holds its body).
 *
 * Arrow itself has no checksum: a flipped bit in a body is a silently different value. Files
 * without the key (written before it existed, or by other tools) are read as before.
 *
 * The footer (schema and metadata) lies after them: `schema` is the CRC-32 of a canonical
 * description of the columns and of every other metadata entry, so that a renamed column or a
 * changed metadata value is caught too.
 *
 * Each entry also records where its record batch ends: a file rewritten by another tool that kept
 * the schema metadata has other positions, and its checksums are then known not to apply.
 *
 * CRC-32 (zlib's, native: several GB/s) detects accidental corruption — every burst of up to 32
 * bits, and any other change with probability 1 − 2⁻³² — not deliberate tampering.
 */
import * as zlib from 'node:zlib';
import * as E from 'fp-ts/lib/Either.js';
import type { DataType, Field, Schema } from 'apache-arrow';
import { distilleryError, type DistilleryError } from '../core/errors.ts';

export const CHECKSUM_KEY = 'distillery.checksum';
export const CHECKSUM_ALGORITHM = 'crc32';

export interface DatasetChecksums {
  readonly algorithm: typeof CHECKSUM_ALGORITHM;
  /** Per record batch, in footer order: where it ends in the file and the CRC-32 of its range. */
  readonly recordBatches: readonly { readonly end: number; readonly crc32: number }[];
  /** CRC-32 of `schemaDescription` of the schema (its metadata but this key included). */
  readonly schema: number;
  /**
   * False when the file's record batches no longer end where the checksums say: another tool
   * rewrote the file and kept the schema metadata. Such checksums describe another file and are
   * not checked (verify says so).
   */
  readonly applies: boolean;
}

type Crc32 = (data: Uint8Array, value?: number) => number;

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 in JavaScript (the same values as zlib's; ~10× slower). */
export const crc32Js = (data: Uint8Array, value = 0): number => {
  let c = ~value >>> 0;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
};

/** Node's native CRC-32 (zlib.crc32, Node ≥ 20.15), else the JavaScript one. */
const crc32: Crc32 = (zlib as unknown as { crc32?: Crc32 }).crc32 ?? crc32Js;

/** CRC-32 of chunks in order, continuing from `seed`. */
export const crc32Of = (chunks: readonly Uint8Array[], seed = 0): number => {
  let c = seed;
  for (const chunk of chunks) c = crc32(chunk, c);
  return c >>> 0;
};

export const encodeChecksums = (batches: readonly { readonly end: number; readonly crc32: number }[], schema: number): string =>
  JSON.stringify({ algorithm: CHECKSUM_ALGORITHM, recordBatches: batches.map((b) => ({ end: b.end, crc32: b.crc32 })), schema });

/** The type's parameters, children and dictionary, as plain JSON values. */
const typeDescription = (t: DataType): unknown[] => {
  const p = t as unknown as Record<string, unknown>;
  const params = ['bitWidth', 'isSigned', 'precision', 'listSize', 'unit', 'scale', 'byteWidth', 'id', 'isOrdered', 'timezone'].flatMap((k) =>
    typeof p[k] === 'number' || typeof p[k] === 'boolean' || typeof p[k] === 'string' ? [k, p[k]] : [],
  );
  const dictionary = p.dictionary as DataType | undefined;
  const indices = p.indices as DataType | undefined;
  return [
    t.typeId,
    params,
    (t.children ?? []).map(fieldDescription),
    dictionary ? typeDescription(dictionary) : null,
    indices ? typeDescription(indices) : null,
  ];
};
const fieldDescription = (f: Field): unknown[] => [f.name, f.nullable, typeDescription(f.type)];

/** The columns and the metadata (the checksum key left out), canonically: what `schema` checksums. */
export const schemaDescription = (schema: Schema): string =>
  JSON.stringify([schema.fields.map(fieldDescription), [...schema.metadata].filter(([k]) => k !== CHECKSUM_KEY)]);

export const schemaChecksum = (schema: Schema): number => crc32Of([new TextEncoder().encode(schemaDescription(schema))]);

/** The checksums in a schema's metadata: undefined when absent, an error when present but malformed. */
export const decodeChecksums = (
  metadata: ReadonlyMap<string, string>,
  blocks: readonly { readonly offset: number; readonly metaDataLength: number; readonly bodyLength: number }[],
  file: string,
): E.Either<DistilleryError, DatasetChecksums | undefined> => {
  const text = metadata.get(CHECKSUM_KEY);
  if (text === undefined) return E.right(undefined);
  const bad = (m: string) => E.left(distilleryError('bad-file', `${file}: metadata key '${CHECKSUM_KEY}': ${m}`));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return bad('not valid JSON');
  }
  const v = value as { algorithm?: unknown; recordBatches?: unknown; schema?: unknown };
  if (typeof value !== 'object' || value === null || v.algorithm !== CHECKSUM_ALGORITHM)
    return bad(`expected {"algorithm": "${CHECKSUM_ALGORITHM}", "recordBatches": [...]}`);
  const list = v.recordBatches;
  const isEntry = (x: unknown): x is { end: number; crc32: number } => {
    const e = x as { end?: unknown; crc32?: unknown };
    return typeof x === 'object' && x !== null && Number.isSafeInteger(e.end) && Number.isInteger(e.crc32) && (e.crc32 as number) >= 0 && (e.crc32 as number) <= 0xffffffff;
  };
  if (!Array.isArray(list) || !list.every(isEntry)) return bad('expected a list of {"end", "crc32"} entries');
  const schema = v.schema;
  if (!(Number.isInteger(schema) && (schema as number) >= 0 && (schema as number) <= 0xffffffff)) return bad('expected "schema", an unsigned 32-bit integer');
  // Another tool's rewrite moves every record batch (it writes a schema message first, other
  // padding…); one that agrees on some ends and not others is a corrupt footer or key.
  const agree = list.length === blocks.length ? blocks.filter((b, i) => b.offset + b.metaDataLength + b.bodyLength === list[i].end).length : 0;
  if (agree > 0 && agree < blocks.length)
    return bad(`${blocks.length - agree} of the ${blocks.length} record batches do not end where the checksums say (corrupt footer)`);
  const applies = list.length === blocks.length && agree === blocks.length;
  return E.right({ algorithm: CHECKSUM_ALGORITHM, recordBatches: list, schema: schema as number, applies });
};

export const hex32 = (n: number): string => n.toString(16).padStart(8, '0');
