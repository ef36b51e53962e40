/**
 * Reading a small file whole (a JSON argument, a model XML) without trusting what the path names:
 * a FIFO would block the read (synchronously: not even Ctrl-C gets through), /dev/zero never
 * ends, a 20 GB file would fill the memory. Only regular files are read, up to a size limit, and
 * every refusal is one DistilleryError naming the file.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { distilleryError, type DistilleryError } from './errors.ts';

/** What a non-regular file is, for messages ("is a FIFO (named pipe)"). */
export const notRegular = (st: Pick<Stats, 'isDirectory' | 'isFIFO' | 'isCharacterDevice' | 'isBlockDevice' | 'isSocket'>): string =>
  st.isDirectory()
    ? 'is a directory'
    : st.isFIFO()
      ? 'is a FIFO (named pipe)'
      : st.isCharacterDevice() || st.isBlockDevice()
        ? 'is a device'
        : st.isSocket()
          ? 'is a socket'
          : 'is not a regular file';

export const formatBytes = (n: number): string =>
  n >= 1 << 30 ? `${(n / (1 << 30)).toFixed(1)} GiB` : n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} bytes`;

/**
 * The text of the regular file `path`, at most `maxBytes` long. `what` starts every message
 * (`--actions a.json`, `walker model m.xml`). Synchronous: for files read at start-up.
 */
export const readSmallTextFile = (path: string, what: string, maxBytes: number): E.Either<DistilleryError, string> => {
  const refuse = (m: string) => E.left(distilleryError('invalid-input', `${what}: ${m}`));
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    return E.left(fileError(e, what));
  }
  if (!st.isFile()) return refuse(`${notRegular(st)}, not a regular file`);
  if (st.size > maxBytes) return refuse(`${formatBytes(st.size)}, more than the ${formatBytes(maxBytes)} this reads`);
  let fd: number;
  try {
    // O_NONBLOCK: if a FIFO took the file's place since the stat, open does not wait for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return E.left(fileError(e, what));
  }
  try {
    if (!fstatSync(fd).isFile()) return refuse('is not a regular file');
    const buf = new Uint8Array(Math.min(maxBytes + 1, Math.max(st.size + 1, 4096)));
    let got = 0;
    for (;;) {
      if (got === buf.length) {
        if (got > maxBytes) return refuse(`more than the ${formatBytes(maxBytes)} this reads (the file grew)`);
        return refuse('changed while being read');
      }
      const n = readSync(fd, buf, got, buf.length - got, got);
      if (n === 0) break;
      got += n;
    }
    return E.right(new TextDecoder().decode(buf.subarray(0, got)));
  } catch (e) {
    return E.left(fileError(e, what));
  } finally {
    closeSync(fd);
  }
};

const fileError = (e: unknown, what: string): DistilleryError => {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return distilleryError('not-found', `${what}: no such file`);
  if (code === 'EACCES' || code === 'EPERM') return distilleryError('io', `${what}: permission denied`);
  if (code === 'EISDIR') return distilleryError('invalid-input', `${what}: is a directory, not a regular file`);
  return distilleryError('io', `${what}: cannot read (${code ?? (e instanceof Error ? e.message : String(e))})`, e);
};
