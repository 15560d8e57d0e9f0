// `npm run bench -- --scenario export`: `nemo-relay export` over 1,000 and 10,000 generated
// ATIF files (--files), each count in a fresh process. Memory is flat when the peak RSS growth
// over the floor does not grow with the file count: the ratio of the largest count's growth
// to the smallest count's is the figure judged (target <= 1.5).
// Each count runs twice. With V8's defaults the young generation starts small and doubles
// (8 -> 16 MB semi-spaces, +16 MB RSS) at a moment that depends on elapsed time and GC
// heuristics, not on what the program holds: a long export crosses it, a short one does not.
// The judged run fixes the semi-space at V8's own maximum (16 MB) from the start, so the
// floor already includes it and the growth left is what the export holds; the defaults run
// is reported next to it.

import { spawn } from 'node:child_process';
import { link, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExportChildOptions, ExportChildResult } from './child.ts';
import { generateTrajectories, type Generated } from './generate.ts';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
const MB = 2 ** 20;
export const FLAT_RATIO_TARGET = 1.5;

export type HeapMode = 'young-gen-fixed' | 'v8-defaults';
const MODE_FLAGS: Record<HeapMode, string[]> = {
  'young-gen-fixed': ['--min-semi-space-size=16', '--max-semi-space-size=16'],
  'v8-defaults': [],
};

export interface ExportRun {
  mode: HeapMode;
  files: number;
  ms: number;
  filesPerSec: number;
  mbPerSec: number;
  inputMB: number;
  samples: number;
  floorRssMB: number;
  floorHeapMB: number;
  peakRssGrowthMB: number;
  peakHeapGrowthMB: number;
  retainedHeapMB: number;
  rssGrowthByTenthMB: number[];
}

export interface ExportBenchResult {
  format: string;
  generated: Generated;
  runs: ExportRun[];
  /** Peak RSS growth at the largest count / at the smallest, young generation fixed (judged). */
  rssGrowthRatio: number;
  /** The same with V8's defaults (reported). */
  rssGrowthRatioV8Defaults: number;
  pass: boolean;
}

const r1 = (v: number): number => Math.round(v * 10) / 10;

async function spawnChild(o: ExportChildOptions, mode: HeapMode): Promise<ExportChildResult> {
  const child = spawn(process.execPath, ['--expose-gc', ...MODE_FLAGS[mode], CHILD, JSON.stringify(o)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let result: ExportChildResult | undefined;
  child.on('message', (m: { type?: string; result?: ExportChildResult }) => {
    if (m?.type === 'result') result = m.result;
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0 || !result) throw new Error(`export bench child failed (exit ${code})`);
  return result;
}

/** A folder holding the first `n` files of `from` (hard links: no copy, same bytes). */
async function subset(from: string, to: string, names: string[], n: number): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const name of names.slice(0, n)) await link(path.join(from, name), path.join(to, name));
}

export async function runExportBench(o: { counts: number[]; format: string; log: (s: string) => void }): Promise<ExportBenchResult> {
  const counts = [...new Set(o.counts)].sort((a, b) => a - b);
  const max = counts[counts.length - 1]!;
  const root = await mkdtemp(path.join(tmpdir(), 'nemo-relay-export-bench-'));
  try {
    const all = path.join(root, 'all');
    const t0 = Date.now();
    const generated = await generateTrajectories(all, max);
    o.log(`export: generated ${max} ATIF files, ${r1(generated.bytes / MB)} MB (${generated.minBytes}-${generated.maxBytes} bytes each) in ${Math.round((Date.now() - t0) / 1000)} s`);
    const names = (await readdir(all)).sort();
    const warmDir = path.join(root, 'warm');
    // A warm-up export of 1,000 files in the same process before the floor is taken: JIT and
    // V8's heap sizing reach their steady state (a 1,000-file export alone lasts ~1 s, too short
    // for the young generation to grow to its working size, which then reads as growth).
    await subset(all, warmDir, names, Math.min(1000, max));
    const runs: ExportRun[] = [];
    for (const n of counts) {
      const dir = n === max ? all : path.join(root, `first-${n}`);
      if (n !== max) await subset(all, dir, names, n);
      for (const mode of ['young-gen-fixed', 'v8-defaults'] as const) {
        const r = await spawnChild({ dir, warmDir, format: o.format }, mode);
        runs.push({
          mode,
          files: r.files,
          ms: r.ms,
          filesPerSec: r.filesPerSec,
          mbPerSec: r.mbPerSec,
          inputMB: r1(r.bytesRead / MB),
          samples: r.summary.samples,
          floorRssMB: r1(r.floor.rss / MB),
          floorHeapMB: r1(r.floor.heapUsed / MB),
          peakRssGrowthMB: r1((r.peak.rss - r.floor.rss) / MB),
          peakHeapGrowthMB: r1((r.peak.heapUsed - r.floor.heapUsed) / MB),
          retainedHeapMB: r1((r.after.heapUsed - r.floor.heapUsed) / MB),
          rssGrowthByTenthMB: r.rssGrowthByTenthMB,
        });
        o.log(`export: ${n} files, ${mode}, done (${Math.round(r.ms / 1000)} s)`);
      }
    }
    const ratio = (mode: HeapMode): number => {
      const of = runs.filter((x) => x.mode === mode);
      // A growth under 1 MB is noise: the ratio is taken over at least 1 MB.
      return Math.round((Math.max(of[of.length - 1]!.peakRssGrowthMB, 1) / Math.max(of[0]!.peakRssGrowthMB, 1)) * 100) / 100;
    };
    const rssGrowthRatio = ratio('young-gen-fixed');
    return { format: o.format, generated, runs, rssGrowthRatio, rssGrowthRatioV8Defaults: ratio('v8-defaults'), pass: counts.length > 1 && rssGrowthRatio <= FLAT_RATIO_TARGET };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export function exportTable(r: ExportBenchResult): string {
  const head = ['heap mode', 'files', 'input MB', 'samples', 'wall s', 'files/s', 'MB/s', 'floor RSS MB', 'floor heap MB', 'peak RSS +MB', 'peak heap +MB', 'retained heap MB'];
  const rows = r.runs.map((x) => [x.mode, x.files, x.inputMB, x.samples, r1(x.ms / 1000), x.filesPerSec, x.mbPerSec, x.floorRssMB, x.floorHeapMB, x.peakRssGrowthMB, x.peakHeapGrowthMB, x.retainedHeapMB].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}
