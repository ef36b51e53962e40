import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { distilleryError, type DistilleryError } from './errors.ts';

/**
 * Decodes `value` with `codec`; on failure returns one DistilleryError whose message names the
 * path of every bad field (`params.teacher.steps: expected a positive integer, got "abc"`).
 */
export const decode = <A, O>(codec: t.Type<A, O, unknown>, value: unknown, what: string): E.Either<DistilleryError, A> =>
  pipe(
    codec.decode(value),
    E.mapLeft((errors) => distilleryError('invalid-input', `${what}: ${formatValidationErrors(errors)}`)),
  );

export const formatValidationErrors = (errors: t.Errors): string => {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const e of errors) {
    const line = formatOne(e);
    if (!seen.has(line)) {
      seen.add(line);
      lines.push(line);
    }
  }
  return lines.slice(0, 5).join('; ') + (lines.length > 5 ? ` (and ${lines.length - 5} more)` : '');
};

const formatOne = (e: t.ValidationError): string => {
  const path = e.context
    .map((c) => c.key)
    .filter((k, i) => k !== '' && !(i > 0 && /^\d+$/.test(k) && isUnionIndex(e.context, i)))
    .join('.');
  const last = e.context[e.context.length - 1];
  const expected = e.message ?? `expected ${last?.type.name ?? 'a valid value'}`;
  return `${path || '(value)'}: ${expected}, got ${show(e.value)}`;
};

/** io-ts puts the member index of a union into the context; that index is not part of the user's path. */
const isUnionIndex = (ctx: t.Context, i: number): boolean => {
  const parent = ctx[i - 1]?.type as { _tag?: string } | undefined;
  return parent?._tag === 'UnionType';
};

const show = (u: unknown): string => {
  if (u === undefined) return 'nothing';
  try {
    const s = JSON.stringify(u);
    return s.length > 60 ? s.slice(0, 57) + '...' : s;
  } catch {
    return String(u);
  }
};

/** What `distillery run <pipeline> --help` shows of a parameter. */
export interface ParamDoc {
  readonly default?: unknown;
  readonly description?: string;
}

/**
 * A codec that fills in `fallback` when the value is undefined. The default is written here
 * once; `description` is shown by `run <pipeline> --help`.
 */
export const withDefault = <C extends t.Mixed>(codec: C, fallback: t.TypeOf<C>, description?: string): t.Type<t.TypeOf<C>, t.OutputOf<C>, unknown> =>
  Object.assign(
    new t.Type<t.TypeOf<C>, t.OutputOf<C>, unknown>(
      codec.name,
      codec.is,
      (u, c) => (u === undefined ? t.success(fallback) : codec.validate(u, c)),
      codec.encode,
    ),
    // Lets unknownKeys and the parameter help see the wrapped codec's fields.
    { inner: codec, doc: { default: fallback, ...(description ? { description } : {}) } satisfies ParamDoc },
  );

/**
 * A group of parameters whose fields each carry their default: a missing group decodes as `{}`,
 * so every default is written once, next to its field's codec.
 */
export const section = <P extends t.Props>(props: P, description?: string): t.Type<t.TypeOf<t.TypeC<P>>, t.OutputOf<t.TypeC<P>>, unknown> & { readonly props: P } => {
  const codec = t.type(props);
  return Object.assign(
    new t.Type<t.TypeOf<t.TypeC<P>>, t.OutputOf<t.TypeC<P>>, unknown>(codec.name, codec.is, (u, c) => codec.validate(u === undefined ? {} : u, c), codec.encode),
    { inner: codec, props, doc: { ...(description ? { description } : {}) } satisfies ParamDoc },
  );
};

export const isPlainObject = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);

/** `over` laid onto `base`: objects merge key by key, anything else (arrays included) replaces. */
export const overlay = (base: unknown, over: unknown): unknown => {
  if (over === undefined) return structuredClone(base);
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  const out: Record<string, unknown> = structuredClone(base);
  for (const [k, v] of Object.entries(over)) out[k] = overlay(base[k], v);
  return out;
};

/**
 * `codec` with other defaults underneath whatever the user gives (for a pipeline that extends
 * another with its own defaults, e.g. the walker's budgets): `defaults` holds only what differs.
 */
export const withDefaults = <A, O>(codec: t.Type<A, O, unknown>, defaults: Readonly<Record<string, unknown>>): t.Type<A, O, unknown> =>
  Object.assign(new t.Type<A, O, unknown>(codec.name, codec.is, (u, c) => codec.validate(overlay(defaults, u), c), codec.encode), {
    inner: codec,
    defaults,
  });

const refineNumber = (name: string, pred: (n: number) => boolean, message: string): t.Type<number, number, unknown> =>
  new t.Type<number, number, unknown>(
    name,
    (u): u is number => typeof u === 'number' && pred(u),
    (u, c) => (typeof u === 'number' && pred(u) ? t.success(u) : t.failure(u, c, message)),
    t.identity,
  );

export const PositiveInt = refineNumber('PositiveInt', (n) => Number.isInteger(n) && n > 0, 'expected a positive integer');
export const NonNegativeInt = refineNumber('NonNegativeInt', (n) => Number.isInteger(n) && n >= 0, 'expected a non-negative integer');
export const Seed = refineNumber('Seed', (n) => Number.isSafeInteger(n) && n >= 0, 'expected a non-negative integer seed');
export const FiniteNumber = refineNumber('FiniteNumber', Number.isFinite, 'expected a finite number');
export const PositiveNumber = refineNumber('PositiveNumber', (n) => Number.isFinite(n) && n > 0, 'expected a positive number');
export const NonNegativeNumber = refineNumber('NonNegativeNumber', (n) => Number.isFinite(n) && n >= 0, 'expected a finite number ≥ 0');
export const Probability = refineNumber('Probability', (n) => n >= 0 && n <= 1, 'expected a number in [0, 1]');
/** Hidden-layer widths: 1 to 8 layers of 1 to 16384 units (a bound that keeps a typo from asking for 40 GB). */
export const LayerWidths = new t.Type<number[], number[], unknown>(
  'LayerWidths',
  (u): u is number[] => Array.isArray(u) && u.length >= 1 && u.length <= 8 && u.every((n) => Number.isInteger(n) && n >= 1 && n <= 16384),
  (u, c) =>
    Array.isArray(u) && u.length >= 1 && u.length <= 8 && u.every((n) => Number.isInteger(n) && n >= 1 && n <= 16384)
      ? t.success(u as number[])
      : t.failure(u, c, 'expected 1 to 8 layer widths, integers from 1 to 16384'),
  t.identity,
);

/** An array with at least one element. */
export const nonEmptyArray = <C extends t.Mixed>(item: C, name = `non-empty array of ${item.name}`): t.Type<t.TypeOf<C>[], t.OutputOf<C>[], unknown> => {
  const arr = t.array(item);
  return new t.Type<t.TypeOf<C>[], t.OutputOf<C>[], unknown>(
    name,
    (u): u is t.TypeOf<C>[] => arr.is(u) && u.length > 0,
    (u, c) => (Array.isArray(u) && u.length === 0 ? t.failure(u, c, 'expected at least one element') : arr.validate(u, c)),
    arr.encode,
  );
};

export const NonEmptyString = new t.Type<string, string, unknown>(
  'NonEmptyString',
  (u): u is string => typeof u === 'string' && u.length > 0,
  (u, c) => (typeof u === 'string' && u.length > 0 ? t.success(u) : t.failure(u, c, 'expected a non-empty string')),
  t.identity,
);

/** A union of string literals with a message that lists the choices. */
export const oneOf = <L extends string>(values: readonly L[], name = 'choice'): t.Type<L, L, unknown> =>
  new t.Type<L, L, unknown>(
    name,
    (u): u is L => typeof u === 'string' && (values as readonly string[]).includes(u),
    (u, c) =>
      typeof u === 'string' && (values as readonly string[]).includes(u)
        ? t.success(u as L)
        : t.failure(u, c, `expected one of ${values.map((v) => JSON.stringify(v)).join(', ')}`),
    t.identity,
  );

/**
 * The value a codec decodes from `{}`: its defaults, written once in the codec. Throws (a bug)
 * when a field has no default.
 */
export const defaultsOf = <A>(codec: t.Type<A, unknown, unknown>): A => {
  const r = codec.decode({});
  if (E.isLeft(r)) throw new Error(`${codec.name}: a field has no default (${formatValidationErrors(r.left)})`);
  return r.right;
};

/**
 * Parses a command-line value: JSON when it parses (numbers, booleans, arrays, objects, quoted
 * strings), otherwise the raw string. `--set steps=1000` gives 1000, `--set env=grid/fig61` a string.
 */
export const parseCliValue = (raw: string): unknown => {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
};

/** Applies `a.b.c=value` overrides to a plain object (returns a new object). */
export const applyOverrides = (
  base: Record<string, unknown>,
  overrides: readonly string[],
): E.Either<DistilleryError, Record<string, unknown>> => {
  const out: Record<string, unknown> = structuredClone(base);
  for (const o of overrides) {
    const eq = o.indexOf('=');
    if (eq <= 0) return E.left(distilleryError('invalid-input', `--set ${o}: expected key=value (for example --set steps=1000)`));
    const path = o.slice(0, eq).split('.');
    if (path.some((p) => p === ''))
      return E.left(distilleryError('invalid-input', `--set ${o}: invalid key path "${o.slice(0, eq)}"`));
    // `toString`, `__proto__`, `constructor`…: names every object has, never parameters (and `__proto__` would rewrite a prototype).
    const reserved = path.find((p) => p in Object.prototype || p === 'prototype');
    if (reserved !== undefined)
      return E.left(distilleryError('invalid-input', `--set ${o}: "${reserved}" is a reserved name (of every JavaScript object), not a parameter`));
    let node: Record<string, unknown> = out;
    for (let i = 0; i < path.length - 1; i++) {
      const next = node[path[i]];
      if (next === undefined) node[path[i]] = {};
      else if (typeof next !== 'object' || next === null || Array.isArray(next))
        return E.left(distilleryError('invalid-input', `--set ${o}: ${path.slice(0, i + 1).join('.')} is not an object`));
      node = node[path[i]] as Record<string, unknown>;
    }
    node[path[path.length - 1]] = parseCliValue(o.slice(eq + 1));
  }
  return E.right(out);
};

/** Keys of `value` (recursively) that `codec` does not know: catches typos in --set paths. */
export const unknownKeys = (codec: t.Mixed, value: unknown, prefix = ''): string[] => {
  const props = propsOf(codec);
  if (!props || typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (!Object.hasOwn(props, k)) out.push(path);
    else out.push(...unknownKeys(props[k], v, path));
  }
  return out;
};

export const propsOf = (codec: t.Mixed): Record<string, t.Mixed> | undefined => {
  const c = codec as unknown as { _tag?: string; props?: Record<string, t.Mixed>; types?: t.Mixed[]; type?: t.Mixed; inner?: t.Mixed };
  if (c.props && !c._tag) return c.props;
  if (c.inner) return propsOf(c.inner);
  if (c._tag === 'InterfaceType' || c._tag === 'PartialType' || c._tag === 'StrictType') return c.props;
  if (c._tag === 'IntersectionType' && c.types) {
    const all = c.types.map(propsOf);
    if (all.every(Boolean)) return Object.assign({}, ...all);
  }
  if (c._tag === 'ExactType' && c.type) return propsOf(c.type);
  return undefined;
};
