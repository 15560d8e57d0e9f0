// One measured export in a fresh process (clean heap): warm up on other files (JIT, the
// compiled ATIF schema, V8's heap sizing), take the floor (settled heap and RSS of this same process before the
// export starts), export the folder while sampling peaks every 20 ms, then settle again for
// the retained heap. Result over IPC.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runExport, type ExportSummary } from '../../src/datasets/export.ts';
import { parseFilters } from '../../src/datasets/filters.ts';
import { formatNamed } from '../../src/datasets/formats/index.ts';
import { parseSplit } from '../../src/datasets/split.ts';
import { settledHeap, startPeakSampler, type MemSample } from '../replay/memory.ts';

export interface ExportChildOptions {
  dir: string;
  warmDir: string;
  format: string;
}

export interface ExportChildResult {
  files: number;
  bytesRead: number;
  ms: number;
  filesPerSec: number;
  mbPerSec: number;
  floor: MemSample;
  peak: MemSample;
  after: MemSample;
  summary: ExportSummary;
  /** Peak RSS growth over the floor (MB) in each tenth of the export's wall time. */
  rssGrowthByTenthMB: number[];
}

/** RSS every 20 ms, to see whether growth levels off or keeps climbing with the files. */
function timeline(): { stop(floorRss: number): number[] } {
  const t0 = Date.now();
  const points: [number, number][] = [];
  const timer = setInterval(() => points.push([Date.now() - t0, process.memoryUsage.rss()]), 20);
  return {
    stop(floorRss) {
      clearInterval(timer);
      const span = Math.max(1, Date.now() - t0);
      const tenths = Array.from({ length: 10 }, () => 0);
      for (const [t, rss] of points) {
        const i = Math.min(9, Math.floor((t / span) * 10));
        tenths[i] = Math.max(tenths[i]!, Math.round(((rss - floorRss) / 2 ** 20) * 10) / 10);
      }
      return tenths;
    },
  };
}

async function once(dir: string, out: string, format: string): Promise<ExportSummary> {
  return runExport({
    inDir: dir,
    outFile: out,
    format: formatNamed(format),
    filters: parseFilters({}),
    includeSubagents: true,
    withMeta: true,
    split: { parts: parseSplit('train=0.9,val=0.1'), seed: '1' },
  });
}

async function main(): Promise<void> {
  const o = JSON.parse(process.argv[2]!) as ExportChildOptions;
  const outDir = await mkdtemp(path.join(tmpdir(), 'nemo-relay-export-out-'));
  try {
    await once(o.warmDir, path.join(outDir, 'warm.jsonl'), o.format);
    const floor = await settledHeap();
    const sampler = startPeakSampler(20);
    const tl = timeline();
    const t0 = process.hrtime.bigint();
    const summary = await once(o.dir, path.join(outDir, 'data.jsonl'), o.format);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const peak = sampler.stop();
    const rssGrowthByTenthMB = tl.stop(floor.rss);
    const after = await settledHeap();
    if (summary.invalid > 0) throw new Error(`${summary.invalid} generated files were invalid`);
    const result: ExportChildResult = {
      files: summary.files,
      bytesRead: summary.bytesRead,
      ms: Math.round(ms),
      filesPerSec: Math.round(summary.files / (ms / 1000)),
      mbPerSec: Math.round((summary.bytesRead / 2 ** 20 / (ms / 1000)) * 10) / 10,
      floor,
      peak,
      after,
      summary,
      rssGrowthByTenthMB,
    };
    process.send!({ type: 'result', result });
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`export bench child failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
