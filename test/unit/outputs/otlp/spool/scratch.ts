// Per test file: a scratch folder removed after the file, fresh spool directories in it, and
// cleanups run after each test (newest first).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';

export function spoolScratch(prefix: string): { freshDir: () => string; cleanup: (() => Promise<void>)[] } {
  const scratch = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  let dirs = 0;
  return { freshDir: () => join(scratch, `spool-${++dirs}`), cleanup };
}
