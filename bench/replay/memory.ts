// Memory figures: a periodic sampler for peaks, and a settled reading after full GCs.

import { setTimeout as sleep } from 'node:timers/promises';
import { getHeapSpaceStatistics } from 'node:v8';

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

export interface YoungGeneration {
  /** V8's young generation (new_space) capacity, MB. */
  capacityMB: number;
  /** Its pages the process had touched (resident) before, and after the touch, MB. */
  physicalBeforeMB: number;
  physicalAfterMB: number;
  touched: boolean;
}

function newSpace(): { size: number; physical: number } {
  const s = getHeapSpaceStatistics().find((x) => x.space_name === 'new_space');
  return { size: s?.space_size ?? 0, physical: s?.physical_space_size ?? 0 };
}

/**
 * Runs short-lived garbage through V8's young generation until every page of it has been
 * touched once. V8 sizes the young generation by what survives scavenges (128 MB at most
 * on this Node), but its pages become resident only as allocation first reaches them. A
 * real gateway has all of them resident from its start-up on (OpenClaw 2026.9.6 with no
 * plugin: 128 MB, all resident, 9 s after start and through every turn); the bench's short
 * warm-up leaves 40-45 MB untouched, and the first pass over them (RSS, and a page fault
 * of ~15 us each on this VM) would land in the replay and read as the plugin's growth and
 * latency. Capacity is not changed: only pages V8 already reserved are touched, and the
 * floor gets the same.
 */
export function touchYoungGeneration(touch = true): YoungGeneration {
  const before = newSpace();
  let allocated = 0;
  let ring: unknown[] = new Array(64);
  for (let i = 0; touch && allocated < 4 * before.size; i++) {
    // ~64 kB of small objects per round; the ring keeps a few alive across a scavenge, as real garbage does.
    const batch = new Array<{ i: number; s: string }>(1024);
    for (let j = 0; j < 1024; j++) batch[j] = { i: j, s: `x${j}` };
    ring[i % 64] = batch;
    allocated += 64 * 1024;
    if (i % 256 === 255 && newSpace().physical >= before.size) break;
  }
  ring = [];
  const mbOf = (b: number) => Math.round((b / (1024 * 1024)) * 10) / 10;
  return { capacityMB: mbOf(before.size), physicalBeforeMB: mbOf(before.physical), physicalAfterMB: mbOf(newSpace().physical), touched: touch };
}
