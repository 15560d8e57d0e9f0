// The candidate files of a folder in byte order of their relative paths, in bounded memory.
// Sorting needs every name at once; 100,000 names held as strings, sorted and packed cost
// ~10 MB of heap at the start of an export, which grows with the folder. Instead the tree is
// walked once per batch: each walk keeps only the `batch` smallest names after the last one
// emitted (a max-heap), so memory is one batch whatever the folder holds, and a folder of up
// to `batch` files is walked once, as before. A file added during the export is seen if its
// name sorts after the batch being read; each file is emitted at most once.
// Files: `*.json` anywhere below the folder; dot files (the ATIF writer's temp files and
// journals) and dot folders are skipped.

import { opendir } from 'node:fs/promises';
import path from 'node:path';

/** UTF-16 code unit order (not the locale's): the same on every machine. */
export const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

async function walk(dir: string, rel: string, visit: (file: string) => void): Promise<void> {
  // opendir streams entries; readdir would build every Dirent of the folder at once.
  for await (const e of await opendir(path.join(dir, rel), { bufferSize: 64 })) {
    if (e.name.startsWith('.')) continue;
    const child = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) await walk(dir, child, visit);
    else if (e.isFile() && e.name.endsWith('.json')) visit(child);
  }
}

/** The `size` smallest strings offered, largest on top. */
class SmallestN {
  readonly items: string[] = [];
  private readonly size: number;

  constructor(size: number) {
    this.size = size;
  }

  offer(s: string): void {
    const h = this.items;
    if (h.length < this.size) {
      h.push(s);
      let i = h.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (byCodeUnits(h[p]!, h[i]!) >= 0) break;
        [h[p], h[i]] = [h[i]!, h[p]!];
        i = p;
      }
    } else if (byCodeUnits(s, h[0]!) < 0) {
      h[0] = s;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let top = i;
        if (l < h.length && byCodeUnits(h[l]!, h[top]!) > 0) top = l;
        if (r < h.length && byCodeUnits(h[r]!, h[top]!) > 0) top = r;
        if (top === i) break;
        [h[top], h[i]] = [h[i]!, h[top]!];
        i = top;
      }
    }
  }
}

export const NAME_BATCH = 8192;

export async function* sortedTrajectoryFiles(dir: string, batch = NAME_BATCH): AsyncGenerator<string> {
  let after: string | undefined;
  for (;;) {
    const smallest = new SmallestN(batch);
    await walk(dir, '', (file) => {
      if (after === undefined || byCodeUnits(file, after) > 0) smallest.offer(file);
    });
    const names = smallest.items.sort(byCodeUnits);
    yield* names;
    if (names.length < batch) return;
    after = names[names.length - 1];
  }
}

/** Every candidate file, sorted (small folders, tests). */
export async function listTrajectoryFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  await walk(dir, '', (file) => out.push(file));
  return out.sort(byCodeUnits);
}
