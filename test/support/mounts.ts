// Real filesystem faults for tests: a tiny tmpfs gives a real ENOSPC, a read-only bind mount a
// real EROFS. Both need root on Linux; `canMount` says whether this process may
// (NR_FAULTS_NO_MOUNT=1 says no, to run the fallbacks where mounting works).

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const canMount = (() => {
  if (process.platform !== 'linux' || process.getuid?.() !== 0 || process.env.NR_FAULTS_NO_MOUNT === '1') return false;
  const probe = mkdtempSync(join(tmpdir(), 'nr-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
})();

export function mount(args: string[]): void {
  execFileSync('mount', args, { stdio: 'pipe' });
}

export function umount(dir: string): void {
  spawnSync('umount', [dir], { stdio: 'ignore' });
}

/** Runs `fn` with a fresh 64 kB tmpfs mounted at `dir` (created), unmounted afterwards. */
export async function withTinyTmpfs<T>(dir: string, fn: (dir: string) => Promise<T>): Promise<T> {
  mkdirSync(dir, { recursive: true });
  mount(['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', dir]);
  try {
    return await fn(dir);
  } finally {
    umount(dir);
  }
}

/** Gives the tmpfs at `dir` room again (4 MB). */
export function growTmpfs(dir: string): void {
  mount(['-o', 'remount,size=4m', dir]);
}
