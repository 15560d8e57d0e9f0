// Brings a trajectory file up to date by rewriting only its end: the new steps and the closing
// part (final_metrics, subagents, extra) go over the old closing part. An atomic replace has
// to write every byte of the file at every checkpoint, so over a long session the bytes
// written grow with the square of its length; this writes what changed.
//
// The file stays valid JSON at every point but one:
//   1. the room the file grows by is first filled with spaces at its end (JSON allows
//      trailing whitespace): if the disk is full this fails and the file is cut back to its
//      old length, untouched;
//   2. one positioned write then puts the new end in place, inside room that already exists;
//   3. fdatasync.
// Only a crash inside step 2's single write (or a power loss before step 3) can leave a torn
// file, and a reader that reads during step 2 may see one. The caller therefore appends only
// to files that are expensive to replace, and finalizes with an atomic replace.

import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { advance } from './atomic-write.ts';
import type { FileImage } from './atomic-write.ts';

/** The file is not the one we wrote (gone, replaced, changed): it needs a full write. */
export class FileMoved extends Error {}

/** The end was partly written: the file may be torn until the next full write. */
export class TornWrite extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

/**
 * Writes `chunks` at byte `offset` of `target`, which must still be `was` (same inode and
 * size); the result is `size` bytes long. Throws FileMoved when the file is not as expected
 * (nothing written), TornWrite when step 2 failed, and the I/O error otherwise (file intact).
 */
export async function rewriteEnd(target: string, was: FileImage, offset: number, chunks: readonly Buffer[], size: number): Promise<FileImage> {
  let handle: FileHandle;
  try {
    // No O_CREAT: a file that vanished is FileMoved, never silently recreated empty.
    handle = await open(target, 'r+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new FileMoved(`${target} is gone`);
    throw err;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile() || st.ino !== was.ino || st.dev !== was.dev || st.size !== was.size) throw new FileMoved(`${target} changed since it was written`);
    if (size < was.size || offset > was.size) throw new FileMoved(`${target}: the new end does not extend the old file`);
    if (size > was.size) await reserve(handle, was.size, size - was.size);
    try {
      let remaining = chunks.filter((c) => c.length > 0);
      let position = offset;
      while (remaining.length > 0) {
        const { bytesWritten } = await handle.writev(remaining, position);
        position += bytesWritten;
        remaining = advance(remaining, bytesWritten);
      }
      if (position !== size) throw new Error(`wrote up to byte ${position} of ${size}`);
      await handle.datasync();
    } catch (err) {
      throw new TornWrite(err);
    }
    return { ino: st.ino, dev: st.dev, size };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

const SPACES = Buffer.alloc(64 * 1024, 0x20);

/** Grows the file by `n` spaces; on failure cuts it back, so the old document is all there is. */
async function reserve(handle: FileHandle, at: number, n: number): Promise<void> {
  try {
    for (let done = 0; done < n; ) {
      const len = Math.min(n - done, SPACES.length);
      const { bytesWritten } = await handle.write(SPACES, 0, len, at + done);
      done += bytesWritten;
    }
  } catch (err) {
    await handle.truncate(at).catch(() => undefined);
    throw err;
  }
}
