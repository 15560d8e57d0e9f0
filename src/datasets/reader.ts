// Streams a folder of ATIF files, one document at a time, in a fixed order: the byte order of
// the paths relative to the folder (not the locale's), so two runs over the same files give
// the same output. Only the sorted names are held for the whole walk, packed into one string
// (about the name's length a file); each document is read, parsed, validated and handed over
// before the next one is read.
// Files: `*.json` anywhere below the folder; dot files (the ATIF writer's temp files and
// journals) and dot folders are skipped.

import { open, opendir } from 'node:fs/promises';
import path from 'node:path';
import type { AtifTrajectory } from '../outputs/atif/types.ts';
import { validateAtif, type AtifValidationError } from '../outputs/atif/validate.ts';

export type TrajectoryEntry =
  | { file: string; ok: true; doc: AtifTrajectory; bytes: number }
  | { file: string; ok: false; errors: AtifValidationError[]; bytes: number };

/** Relative paths of the candidate files, sorted by UTF-16 code units. */
export async function listTrajectoryFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    // opendir streams entries; readdir would build every Dirent of the folder at once.
    for await (const e of await opendir(path.join(dir, rel), { bufferSize: 64 })) {
      if (e.name.startsWith('.')) continue;
      const child = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(child);
      else if (e.isFile() && e.name.endsWith('.json')) out.push(child);
    }
  };
  await walk('');
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * One read buffer per walk, grown to the largest file: readFile would allocate a fresh backing
 * store per file, and thousands of those, freed by the GC in its own time, fragment the
 * allocator and raise RSS with the number of files read. Not for concurrent reads.
 */
export interface ReadBuffer {
  buf: Buffer;
}

export const newReadBuffer = (): ReadBuffer => ({ buf: Buffer.allocUnsafe(1 << 16) });

async function readText(file: string, rb: ReadBuffer): Promise<string> {
  const fh = await open(file, 'r');
  try {
    let n = 0;
    for (;;) {
      if (n === rb.buf.length) {
        const bigger = Buffer.allocUnsafe(rb.buf.length * 2);
        rb.buf.copy(bigger, 0, 0, n);
        rb.buf = bigger;
      }
      const { bytesRead } = await fh.read(rb.buf, n, rb.buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    return rb.buf.toString('utf8', 0, n);
  } finally {
    await fh.close();
  }
}

/** Reads and checks one file; a parse failure is reported like a schema failure, at path `/`. */
export async function readTrajectory(dir: string, file: string, rb: ReadBuffer = newReadBuffer()): Promise<TrajectoryEntry> {
  let text: string;
  try {
    text = await readText(path.join(dir, file), rb);
  } catch (err) {
    return { file, ok: false, bytes: 0, errors: [{ path: '/', message: `cannot read: ${(err as Error).message}` }] };
  }
  const bytes = Buffer.byteLength(text);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { file, ok: false, bytes, errors: [{ path: '/', message: `not JSON: ${(err as Error).message}` }] };
  }
  const res = validateAtif(doc);
  if (!res.valid) return { file, ok: false, bytes, errors: res.errors };
  return { file, ok: true, bytes, doc: doc as AtifTrajectory };
}

/** The sorted names as one NUL-separated string: ~1 byte a character instead of an array of strings. */
async function packedFileList(dir: string): Promise<string> {
  return (await listTrajectoryFiles(dir)).join('\0');
}

export async function* readTrajectories(dir: string): AsyncGenerator<TrajectoryEntry> {
  const rb = newReadBuffer();
  const packed = await packedFileList(dir);
  for (let at = 0; at < packed.length; ) {
    const end = packed.indexOf('\0', at);
    const file = packed.slice(at, end === -1 ? packed.length : end);
    at = end === -1 ? packed.length : end + 1;
    yield await readTrajectory(dir, file, rb);
  }
}
