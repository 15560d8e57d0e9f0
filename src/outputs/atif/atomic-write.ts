// Atomic replacement of one file: write a temp file in the same directory (same filesystem,
// so rename is atomic), flush it to disk, rename it over the target. A reader sees the old
// file or the new one, never a torn one; a failure at any point removes the temp file and
// leaves the previous version in place.
//
// The async form is the normal path. The sync form exists for process 'exit', where no event
// loop is left: it also removes the temp files of async writes that will never finish.

import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writevSync } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';

let seq = 0;
/** Temp files of writes in progress; at exit, whatever is still here was abandoned. */
const inFlight = new Set<string>();

function tempFor(target: string): string {
  // Dot-prefixed and unique per process and write, so it never collides with a real file.
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${++seq}.tmp`);
}

/** Which file a write produced (the inode survives the rename), so a later write can check it is still that file. */
export interface FileImage {
  ino: number;
  dev: number;
  size: number;
}

/** Writes `chunks` to `target` atomically with mode 0600, creating the directory with mode 0700. */
export async function writeFileAtomic(target: string, chunks: readonly Buffer[]): Promise<FileImage> {
  // Every time, not once: the directory may have been removed since the last checkpoint.
  await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  const temp = tempFor(target);
  inFlight.add(temp);
  let handle: FileHandle | undefined;
  try {
    // `wx`: never follow or reuse something that already sits at the temp path.
    handle = await open(temp, 'wx', 0o600);
    let remaining = chunks.filter((c) => c.length > 0);
    while (remaining.length > 0) remaining = advance(remaining, (await handle.writev(remaining)).bytesWritten);
    // Without this, a power loss right after the rename can leave an empty file behind.
    await handle.sync();
    const st = await handle.stat();
    await handle.close();
    handle = undefined;
    await rename(temp, target);
    return { ino: st.ino, dev: st.dev, size: st.size };
  } catch (err) {
    if (handle) await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw err;
  } finally {
    inFlight.delete(temp);
  }
}

/** The same, blocking: only for process 'exit'. */
export function writeFileAtomicSync(target: string, chunks: readonly Buffer[]): void {
  mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
  const temp = tempFor(target);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', 0o600);
    let remaining = chunks.filter((c) => c.length > 0);
    while (remaining.length > 0) remaining = advance(remaining, writevSync(fd, remaining));
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, target);
  } catch (err) {
    if (fd !== undefined) closeQuietly(fd);
    unlinkQuietly(temp);
    throw err;
  }
}

/** Removes the temp files of async writes cut off by process exit. */
export function removeAbandonedTempsSync(): void {
  for (const temp of inFlight) unlinkQuietly(temp);
  inFlight.clear();
}

/** A temp file is `.<name>.<pid>.<seq>.tmp` (see tempFor). */
const TEMP_NAME = /^\..+\.(\d+)\.\d+\.tmp$/;
/** Even a multi-MB write takes well under this; an older temp file is not being written. */
const STALE_MS = 10_000;

/**
 * Removes temp files in `dir` that a killed writer (SIGKILL, OOM, power loss) left behind:
 * those of a process that no longer exists, once they are stale. Best effort, never throws.
 */
export async function removeStaleTemps(dir: string): Promise<number> {
  let removed = 0;
  try {
    for (const name of await readdir(dir)) {
      const m = TEMP_NAME.exec(name);
      if (!m || Number(m[1]) === process.pid || processAlive(Number(m[1]))) continue;
      const full = path.join(dir, name);
      const st = await lstat(full).catch(() => undefined);
      if (!st?.isFile() || Date.now() - st.mtimeMs < STALE_MS) continue;
      await unlink(full).then(() => removed++, () => undefined);
    }
  } catch {
    // no directory yet, or not readable: nothing to clean
  }
  return removed;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed or invalid: nothing left to release
  }
}

function unlinkQuietly(p: string): void {
  try {
    unlinkSync(p);
  } catch {
    // never created, or already renamed away
  }
}

/** Drops what a short writev already wrote. */
export function advance(chunks: Buffer[], written: number): Buffer[] {
  let i = 0;
  while (i < chunks.length && written >= chunks[i]!.length) written -= chunks[i++]!.length;
  if (i >= chunks.length) return [];
  const rest = chunks.slice(i);
  if (written > 0) rest[0] = rest[0]!.subarray(written);
  return rest;
}
