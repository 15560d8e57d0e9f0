// One process at a time owns a spool directory: a lock file holding its pid, created with
// O_EXCL. A lock left by a dead process (crash, SIGKILL) is taken over; a live owner (another
// gateway, an `openclaw agent --local` run beside it) leaves this output memory-only, and
// status says which pid holds it.

import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = 'spool.lock';
/** Directories locked by this process: a second output on the same directory is refused too. */
const held = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Claims `dir`; returns a release function, or throws an Error saying who holds it. */
export function claimSpoolDir(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  if (held.has(dir)) throw new Error(`spool directory already in use by another output of this process (pid ${process.pid})`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      held.add(dir);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        held.delete(dir);
        try {
          unlinkSync(path);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let owner = NaN;
    try {
      owner = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    } catch {
      // Unreadable or vanished: treat as stale.
    }
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
      throw new Error(`spool directory is locked by running process ${owner}`);
    }
    // Stale (dead pid, our own pid from a previous life, or garbage): take it over.
    try {
      unlinkSync(path);
    } catch {
      // Someone else removed it first; the next O_EXCL open decides.
    }
  }
  throw new Error('spool lock: lost the race to take over a stale lock');
}
