// Memory figures: a periodic sampler for peaks, and a settled reading after full GCs.

import { setTimeout as sleep } from 'node:timers/promises';

export interface MemSample {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

export function sample(): MemSample {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
}

export interface PeakSampler {
  stop(): MemSample;
}

/** Samples every `everyMs` (timers run whenever the replay yields); returns the peaks. */
export function startPeakSampler(everyMs = 20): PeakSampler {
  const peak = sample();
  // BENCH_MEM_TRACE=1: every 25th sample (0.5 s) on stderr, to see when the peak forms (no figure uses it).
  const trace = process.env.BENCH_MEM_TRACE === '1';
  const t0 = Date.now();
  let n = 0;
  const take = () => {
    const m = sample();
    if (trace && n++ % 25 === 0) process.stderr.write(`[mem ${((Date.now() - t0) / 1000).toFixed(1)} s] rss ${(m.rss / 1e6).toFixed(0)} heap ${(m.heapUsed / 1e6).toFixed(0)}/${(m.heapTotal / 1e6).toFixed(0)} ext ${(m.external / 1e6).toFixed(0)} ab ${(m.arrayBuffers / 1e6).toFixed(0)} MB\n`);
    for (const k of Object.keys(peak) as (keyof MemSample)[]) if (m[k] > peak[k]) peak[k] = m[k];
  };
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return peak;
    },
  };
}

/** Heap after full collections, with turns of the event loop between them for finalizers and weak refs. */
export async function settledHeap(rounds = 4): Promise<MemSample> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc (scripts/bench.ts does)');
  for (let i = 0; i < rounds; i++) {
    gc();
    await sleep(10);
  }
  return sample();
}
