// The export's file order in bounded memory: names walked in batches come out in the same
// byte order as one sort of every name, each once, whatever the batch size.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTrajectoryFiles, sortedTrajectoryFiles } from '../../../src/datasets/sorted-names.ts';

let dir: string;
const names = ['b.json', 'a.json', 'A.json', 'z/1.json', 'z/0.json', 'y.json', 'é.json', '😀.json', '\uE000.json', 'a b.json', 'a/b/c.json', 'a/a.json', 'ab.json'];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sorted-names-'));
  for (const n of names) {
    await mkdir(path.dirname(path.join(dir, n)), { recursive: true });
    await writeFile(path.join(dir, n), '{}');
  }
  // Not candidates: dot files and folders, other extensions.
  await writeFile(path.join(dir, '.x.json.123.tmp'), '');
  await writeFile(path.join(dir, '.hidden.json'), '');
  await mkdir(path.join(dir, '.dot'));
  await writeFile(path.join(dir, '.dot', 'in.json'), '');
  await writeFile(path.join(dir, 'notes.txt'), '');
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('sortedTrajectoryFiles', () => {
  it('one sort of every name: UTF-16 code unit order, candidates only', async () => {
    const all = await listTrajectoryFiles(dir);
    expect(all).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    // Code units, not code points: the surrogate pair of 😀 sorts before U+E000.
    expect(all.indexOf('😀.json')).toBeLessThan(all.indexOf('\uE000.json'));
  });

  for (const batch of [1, 2, 3, 5, names.length - 1, names.length, names.length + 1, 8192]) {
    it(`batches of ${batch}: the same order, each name once`, async () => {
      const got: string[] = [];
      for await (const n of sortedTrajectoryFiles(dir, batch)) got.push(n);
      expect(got).toEqual(await listTrajectoryFiles(dir));
    });
  }
});
