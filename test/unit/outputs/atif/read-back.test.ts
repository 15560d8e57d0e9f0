// Run steps kept in the trajectory file are read back for a rewrite; once that write has
// settled, the bodies read for it are freed at once, whether they were read one by one or as
// views on the whole file, and run steps still held in memory are left alone.

import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { OnFile, releaseReadBack, resolveBodies } from '../../../../src/outputs/atif/spill.ts';
import type { Body, FileRef } from '../../../../src/outputs/atif/spill.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'nr-read-back-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A file of `sizes` bodies (each filled with its index), and an OnFile for each. */
function fileOf(name: string, sizes: number[]): OnFile[] {
  const parts = sizes.map((n, i) => Buffer.alloc(n, 65 + i));
  writeFileSync(path.join(dir, name), Buffer.concat(parts));
  const st = statSync(path.join(dir, name));
  const ref: FileRef = { fileName: name, image: { ino: st.ino, dev: st.dev, size: st.size } };
  let at = 0;
  return sizes.map((n) => {
    const body = new OnFile(n, at, ref);
    at += n;
    return body;
  });
}

describe('bodies read back for one write', () => {
  for (const [what, sizes, pick] of [
    ['most of the file (one read, views on it)', [200_000, 200_000, 150_000, 100], [0, 1, 2]],
    ['a small part of it (read one by one)', [100_000, 2_000_000, 100_000], [0, 2]],
  ] as const) {
    it(`${what}: freed once the write settled; steps in memory are untouched`, async () => {
      const onFile = fileOf(`f-${pick.join('-')}.json`, [...sizes]);
      const inMemory = Buffer.alloc(200_000, 'm');
      const chunks: Body[] = [inMemory, ...pick.map((i) => onFile[i]!)];
      const expected = pick.map((i) => Buffer.alloc(sizes[i]!, 65 + i));
      const before = process.memoryUsage().arrayBuffers;
      // Only Buffers here: no body in pieces among them.
      const resolved = (await resolveBodies(dir, chunks)) as Buffer[];
      for (const k of pick.keys()) expect(resolved[k + 1]!.equals(expected[k]!)).toBe(true);
      expect(process.memoryUsage().arrayBuffers - before).toBeGreaterThanOrEqual(pick.reduce((n: number, i) => n + sizes[i]!, 0));
      releaseReadBack(chunks, resolved);
      for (let k = 1; k < resolved.length; k++) expect(resolved[k]!.byteLength).toBe(0);
      expect(resolved[0]).toBe(inMemory);
      expect(inMemory.byteLength).toBe(200_000);
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024);
    });
  }
});
