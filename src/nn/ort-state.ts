/**
 * Training state (weights, Adam moments, target networks) kept between ORT steps: each named
 * array has two copies; a step reads the current one and writes its update into the other
 * (ORT writes straight into pre-allocated arrays), then that becomes current. Entries a step does
 * not update keep their current copy.
 */
import type { NamedWeight } from './mlp.ts';
import type { Feeds } from './ort-runtime.ts';

interface Entry {
  readonly dims: readonly number[];
  readonly copies: [Float32Array, Float32Array];
  current: 0 | 1;
}

export class OrtState {
  private readonly entries = new Map<string, Entry>();

  /** Adds an entry (a copy of `data`, or zeros). */
  add(name: string, dims: readonly number[], data?: ArrayLike<number>): void {
    const n = dims.reduce((a, b) => a * b, 1);
    if (data && data.length !== n) throw new Error(`${name}: ${data.length} values for shape [${dims.join(', ')}]`);
    const first = new Float32Array(n);
    if (data) first.set(data);
    this.entries.set(name, { dims, copies: [first, new Float32Array(n)], current: 0 });
  }

  private entry(name: string): Entry {
    const e = this.entries.get(name);
    if (!e) throw new Error(`no training state named ${name}`);
    return e;
  }

  /** The current arrays of `names` as feeds. */
  feeds(names: readonly string[], into: Feeds = {}): Feeds {
    for (const name of names) {
      const e = this.entry(name);
      into[name] = { data: e.copies[e.current], dims: e.dims };
    }
    return into;
  }

  /** The spare copies of `updates` (state name → graph output name) as pre-allocated outputs. */
  targets(updates: readonly (readonly [string, string])[]): Feeds {
    const into: Feeds = {};
    for (const [name, output] of updates) {
      const e = this.entry(name);
      into[output] = { data: e.copies[1 - e.current], dims: e.dims };
    }
    return into;
  }

  /** After a run that wrote `updates`: their spare copies become current. */
  commit(updates: readonly (readonly [string, string])[]): void {
    for (const [name] of updates) {
      const e = this.entry(name);
      e.current = e.current === 0 ? 1 : 0;
    }
  }

  /** The current array of `name` itself (no copy): valid until a commit that updates it. */
  current(name: string): Float32Array {
    const e = this.entry(name);
    return e.copies[e.current];
  }

  /** Current values (copies) of the entries whose names start with `prefix`, the prefix removed. */
  weights(prefix: string): NamedWeight[] {
    return [...this.entries]
      .filter(([name]) => name.startsWith(prefix) && !name.includes('#'))
      .map(([name, e]) => ({ name: name.slice(prefix.length), shape: [...e.dims], data: e.copies[e.current].slice() }));
  }
}
