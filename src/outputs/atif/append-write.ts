// Brings a trajectory file up to date by rewriting only its end: the new steps and the closing
// part (final_metrics, subagents, extra) go over the old closing part. An atomic replace has
// to write every byte of the file at every checkpoint, so over a long session the bytes
// written grow with the square of its length; this writes what changed.
//
// Crash safety comes from a rollback journal, as in SQLite:
//   1. the old closing part is copied to `.<name>.<pid>.journal` (with its offset and length)
//      and made durable;
//   2. the room the file grows by is filled with spaces at its end (JSON allows trailing
//      whitespace): a full disk fails here and the file is cut back, untouched;
//   3. one positioned write puts the new end in place, inside room that already exists, and
//      the file is made durable;
//   4. the journal is removed.
// A crash inside step 3 (SIGKILL can cut a write between pages) can leave a torn file; the
// next writer in that directory finds the journal of a dead process and puts the old end
// back (recoverJournals) before it writes anything. A reader that reads during step 3 may
// see a torn file, so the caller appends only to files that are expensive to replace, and
// finalizes every file with an atomic replace.

import { lstat, open, readdir, readFile, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { advance, processAlive } from './atomic-write.ts';
import type { FileImage } from './atomic-write.ts';

/** The file is not the one we wrote (gone, replaced, changed): it needs a full write. */
export class FileMoved extends Error {}

/** The end was partly written: the file may be torn until the next full write. */
export class TornWrite extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

/** `.<name>.<pid>.journal`: dot-prefixed like temp files, so `*.json` never matches it. */
const JOURNAL_NAME = /^\.(.+)\.(\d+)\.journal$/;

function journalFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.journal`);
}

/**
 * Writes `chunks` at byte `offset` of `target`, which must still be `was` (same inode and
 * size); the result is `size` bytes long. Throws FileMoved when the file is not as expected
 * (nothing written), TornWrite when step 3 failed (the journal stays, for recovery), and the
 * I/O error otherwise (file intact).
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
  const journal = journalFor(target);
  let journaled = false;
  try {
    const st = await handle.stat();
    if (!st.isFile() || st.ino !== was.ino || st.dev !== was.dev || st.size !== was.size) throw new FileMoved(`${target} changed since it was written`);
    if (size < was.size || offset > was.size) throw new FileMoved(`${target}: the new end does not extend the old file`);
    const oldEnd = Buffer.alloc(was.size - offset);
    const { bytesRead } = await handle.read(oldEnd, 0, oldEnd.length, offset);
    if (bytesRead !== oldEnd.length) throw new FileMoved(`${target} is shorter than it was`);
    await writeJournal(journal, { ino: st.ino, dev: st.dev, offset, size: was.size }, oldEnd);
    journaled = true;
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
      // Put the old end back now if we can; if not, the journal stays for the next writer.
      if (await rollBack(handle, offset, was.size, oldEnd)) await unlink(journal).catch(() => undefined);
      journaled = false;
      throw new TornWrite(err);
    }
    await unlink(journal);
    journaled = false;
    return { ino: st.ino, dev: st.dev, size };
  } finally {
    // A failure before step 3 left the file as it was: the journal has nothing to undo.
    if (journaled) await unlink(journal).catch(() => undefined);
    await handle.close().catch(() => undefined);
  }
}

interface JournalHead {
  /** The file it is for: a file replaced since (a later atomic write) is not touched. */
  ino: number;
  dev: number;
  offset: number;
  size: number;
}

async function writeJournal(journal: string, head: JournalHead, oldEnd: Buffer): Promise<void> {
  const header = Buffer.from(`${JSON.stringify({ ...head, length: oldEnd.length })}\n`, 'utf8');
  const fh = await open(journal, 'w', 0o600);
  try {
    await fh.writev([header, oldEnd]);
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

async function rollBack(handle: FileHandle, offset: number, size: number, oldEnd: Buffer): Promise<boolean> {
  try {
    await handle.truncate(offset);
    const { bytesWritten } = await handle.write(oldEnd, 0, oldEnd.length, offset);
    if (bytesWritten !== oldEnd.length) return false;
    await handle.truncate(size);
    await handle.datasync();
    return true;
  } catch {
    return false;
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

/**
 * Undoes the in-place writes that dead processes left unfinished in `dir`: each journal puts
 * its file's old end back, then goes. A journal that is itself incomplete was cut before the
 * file was touched and is just removed. Best effort, never throws; returns files restored.
 */
export async function recoverJournals(dir: string): Promise<number> {
  let restored = 0;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const m = JOURNAL_NAME.exec(name);
    if (!m || Number(m[2]) === process.pid || processAlive(Number(m[2]))) continue;
    const journal = path.join(dir, name);
    try {
      if (await restore(path.join(dir, m[1]!), journal)) restored++;
      await unlink(journal);
    } catch {
      // unreadable or unwritable: leave it for a later writer
    }
  }
  return restored;
}

async function restore(target: string, journal: string): Promise<boolean> {
  const st = await lstat(journal);
  if (!st.isFile()) return false;
  const data = await readFile(journal);
  const nl = data.indexOf(0x0a);
  if (nl < 0) return false;
  let head: { [K in keyof JournalHead | 'length']?: unknown };
  try {
    head = JSON.parse(data.subarray(0, nl).toString('utf8')) as typeof head;
  } catch {
    return false;
  }
  const { ino, dev, offset, size, length } = head;
  if (typeof offset !== 'number' || typeof size !== 'number' || typeof length !== 'number' || typeof ino !== 'number' || typeof dev !== 'number') return false;
  if (data.length - nl - 1 !== length || offset + length !== size) return false;
  let fh: FileHandle;
  try {
    fh = await open(target, 'r+');
  } catch {
    return false; // the file is gone: nothing to put back
  }
  try {
    const now = await fh.stat();
    if (now.ino !== ino || now.dev !== dev || now.size < offset) return false;
    return await rollBack(fh, offset, size, data.subarray(nl + 1));
  } finally {
    await fh.close().catch(() => undefined);
  }
}
