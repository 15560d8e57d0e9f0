// Streams a folder of ATIF files, one document at a time, in a fixed order: the byte order of
// the paths relative to the folder (not the locale's), so two runs over the same files give
// the same output. The names come in batches (sorted-names.ts), so memory does not grow with
// the folder; each document is read, parsed, validated and handed over before the next one
// is read.

import { open } from 'node:fs/promises';
import path from 'node:path';
import type { AtifTrajectory } from '../outputs/atif/types.ts';
import { validateAtif, type AtifValidationError } from '../outputs/atif/validate.ts';
import { sortedTrajectoryFiles } from './sorted-names.ts';

export type TrajectoryEntry =
  | { file: string; ok: true; doc: AtifTrajectory; bytes: number }
  | { file: string; ok: false; errors: AtifValidationError[]; bytes: number };

export { listTrajectoryFiles } from './sorted-names.ts';

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

export async function* readTrajectories(dir: string): AsyncGenerator<TrajectoryEntry> {
  const rb = newReadBuffer();
  for await (const file of sortedTrajectoryFiles(dir)) yield await readTrajectory(dir, file, rb);
}
