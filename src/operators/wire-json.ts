import { DistilleryFailure, distilleryError } from '../core/errors.ts';

/**
 * A job's input and output as JSON text for a job that runs in another process (the SLURM
 * executor): plain JSON, plus typed arrays (`{"$typed": "Float64Array", "values": […]}`) and
 * non-finite numbers and -0 (`{"$number": "NaN"}`), so values come back exactly as they left (a float's
 * shortest decimal text parses to the same float). Anything else that JSON would change or drop
 * (a Map, a Date, a class instance, undefined in an array) is refused with its path.
 */
const TYPED = {
  Float32Array,
  Float64Array,
  Int8Array,
  Int16Array,
  Int32Array,
  Uint8Array,
  Uint8ClampedArray,
  Uint16Array,
  Uint32Array,
} as const;
type TypedName = keyof typeof TYPED;

const num = (n: number): number | string => (Object.is(n, -0) ? '-0' : Number.isFinite(n) ? n : String(n));

const toWire = (v: unknown, path: string): unknown => {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0) ? v : { $number: Object.is(v, -0) ? '-0' : String(v) };
  if (Array.isArray(v)) return v.map((x, i) => toWire(x, `${path}[${i}]`));
  if (ArrayBuffer.isView(v) && Object.hasOwn(TYPED, v.constructor.name)) return { $typed: v.constructor.name, values: Array.from(v as Float64Array, num) };
  if (typeof v === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(v))) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toWire(x, `${path}.${k}`);
    return out;
  }
  const what = typeof v === 'object' ? ((v as object).constructor?.name ?? 'an object') : typeof v;
  throw new DistilleryFailure(distilleryError('internal', `${path} is ${what}, which does not travel as JSON between processes`));
};

/** JSON text of a job's input or output; `what` names it in the error (`output`). */
export const encodeWire = (v: unknown, what: string): string => JSON.stringify(toWire(v, what));

/** The value `encodeWire` encoded. */
export const decodeWire = (text: string): unknown =>
  JSON.parse(text, (_k, v: unknown) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && typeof o.$number === 'string') return Number(o.$number);
    if (keys.length === 2 && typeof o.$typed === 'string' && Object.hasOwn(TYPED, o.$typed) && Array.isArray(o.values))
      return TYPED[o.$typed as TypedName].from((o.values as (number | string)[]).map(Number));
    return v;
  });
