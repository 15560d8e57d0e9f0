// One replay scenario in a process of its own (started by scripts/bench.ts with --expose-gc,
// and --cpu-prof for the profile run): a clean heap, a clean process-wide runtime, and a
// result that no earlier scenario's garbage or JIT state can colour.
//
// argv[2]: ScenarioOptions as JSON. The result goes to the parent over IPC (or stdout).

import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session as InspectorSession } from 'node:inspector/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeHeapSnapshot } from 'node:v8';

import { currentRuntime, resetSharedRuntime } from '../../src/runtime/global.ts';
import { SUBSCRIBED_HOOKS } from '../../src/ingest/hook-names.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createOtlpOutputSink } from '../../src/outputs/otlp/projections.ts';
import { ALL_OUTPUTS, guideConfig, OTLP_OUTPUTS, type OutputName } from '../config.ts';
import { startReceiverProcess, type OutputCounts } from '../receiver/client.ts';
import { loadTurn } from '../workload/recording.ts';
import { buildWorkload, checkAgainstRetag, compileTurn, gatewayStartDelivery, gatewayStopDelivery } from '../workload/workload.ts';
import floorPlugin from './floor-plugin.ts';
import { releaseSchedule, schedule, startHost, type PluginEntry } from './host.ts';
import { runLoop } from './loop.ts';
import { settledHeap, startPeakSampler, touchYoungGeneration, type MemSample, type YoungGeneration } from './memory.ts';
import { dist, perHook, type Dist } from './stats.ts';

export interface ScenarioOptions {
  plugin: 'nemo-relay' | 'floor';
  sessions: number;
  runs: number;
  warmupSessions: number;
  yieldEvery: number;
  fixture: string;
  /** Longest wait for the receiver to get every span after the last event. */
  drainTimeoutMs: number;
  /** Outputs switched on (default all). */
  outputs?: OutputName[];
}

export interface ScenarioResult {
  options: ScenarioOptions;
  pid: number;
  node: string;
  /** os.loadavg() at the start and the end: other work on the machine colours every figure. */
  loadavg: { start: number[]; end: number[] };
  /** Wall time of the whole scenario process, s. */
  elapsedS: number;
  events: number;
  calls: number;
  threw: number;
  buildMs: number;
  replay: {
    wallMs: number;
    eventsPerSec: number;
    /** Time inside handler calls only. */
    handlerMs: number;
    /** Time in yields: the plugin's background work (exports), timers, I/O, the memory sampler. */
    outsideMs: number;
    /** events / handler time: the rate if nothing but the handlers ran. */
    handlerOnlyEventsPerSec: number;
  };
  handler: Dist;
  perHook: Record<string, Dist>;
  drain: {
    /** Last handler return -> the gateway_stop handler's promise (runtime.stop) settled. */
    stopMs: number;
    /** -> every ATIF file written (runtime.flush() after stop). */
    atifMs: number;
    /** -> the receiver holds every expected span (or gave up). */
    spansMs: number;
    drainMs: number;
    /** Every expected span arrived (from this process, or from the spool after a restart). */
    complete: boolean;
    /** gateway_stop's bound left spans in the spool, and fresh outputs (the next process) sent them. */
    restarted?: boolean;
  };
  memory: {
    /** V8's young generation, touched through before the baseline (memory.ts touchYoungGeneration). */
    youngGeneration: YoungGeneration;
    /** Settled heap after warm-up, before the workload was built. */
    baseline: MemSample;
    /** Settled heap with the workload built, right before the timed loop. */
    preReplay: MemSample;
    /** Peaks during the replay and the drain. */
    peak: MemSample;
    rssGrowthMB: number;
    heapGrowthMB: number;
    /** Settled heap after the drain, with the workload released, minus the baseline. */
    retainedMB: number;
    /** The same for memory outside the JS heap (Buffers: serialized files and requests). */
    retainedExternalMB: number;
    /** The same after the runtime and the host instances were dropped too. */
    retainedAfterReleaseMB: number;
  };
  outputs: {
    atif: { files: number; bytes: number; expectedFiles: number };
    otlp: Record<string, OutputCounts & { expected: number }>;
    spansExpected: number;
    spansReceived: number;
  };
  sinkHealth?: unknown;
  engineCounters?: unknown;
  /** Sizes of the runtime's and engine's collections after the last session_end, before gateway_stop. */
  stateBeforeStop?: Record<string, number>;
  /** The same after the drain. */
  stateAfterDrain?: Record<string, number>;
  /** process.getActiveResourcesInfo() by kind after everything was released. */
  activeResources: Record<string, number>;
  /** hrtime microseconds: lets a --cpu-prof profile be cut to the replay and the drain. */
  window: { replayStartUs: number; replayEndUs: number; drainEndUs: number };
}

const MB = 1024 * 1024;
const mb = (bytes: number) => Math.round((bytes / MB) * 100) / 100;

/** Sizes of every Map, Set and array an object holds directly (private fields included). */
function collectionSizes(prefix: string, o: unknown, out: Record<string, number>): void {
  if (typeof o !== 'object' || o === null) return;
  for (const [k, v] of Object.entries(o)) {
    if (v instanceof Map || v instanceof Set) out[`${prefix}.${k}`] = v.size;
    else if (Array.isArray(v)) out[`${prefix}.${k}`] = v.length;
  }
}

function stateOf(rt: Runtime | undefined): Record<string, number> | undefined {
  if (!rt) return undefined;
  const out: Record<string, number> = {};
  collectionSizes('runtime', rt, out);
  collectionSizes('engine', rt.engine, out);
  collectionSizes('capture', (rt.engine as unknown as { capture?: unknown }).capture, out);
  return out;
}

function dirStats(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.json')) continue;
    files++;
    bytes += statSync(join(dir, name)).size;
  }
  return { files, bytes };
}

/** The next process: OTLP outputs built from the same config send what the first one spooled. */
async function deliverSpooled(
  raw: Record<string, unknown>,
  receiver: { counts(): Promise<Record<string, OutputCounts>> },
  expected: Record<string, number>,
  timeoutMs: number,
  since: () => number,
): Promise<{ counts: Record<string, OutputCounts>; complete: boolean; at: number }> {
  const sinks = loadConfig(raw, process.env).config.otlp.filter((c) => c.enabled).map((c) => createOtlpOutputSink(c));
  try {
    const r = await waitForSpans(receiver, expected, timeoutMs, 10_000);
    return { ...r, at: since() };
  } finally {
    await Promise.allSettled(sinks.map((s) => s.shutdown()));
  }
}

async function waitForSpans(
  receiver: { counts(): Promise<Record<string, OutputCounts>> },
  expected: Record<string, number>,
  timeoutMs: number,
  quietMs: number,
): Promise<{ counts: Record<string, OutputCounts>; complete: boolean }> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const counts = await receiver.counts();
    const total = Object.values(counts).reduce((a, c) => a + c.spans, 0);
    if (Object.entries(expected).every(([name, n]) => (counts[name]?.spans ?? 0) >= n)) return { counts, complete: true };
    if (total !== last) {
      last = total;
      lastChange = Date.now();
    }
    // Spans the plugin dropped or abandoned never come: stop waiting once nothing moves.
    if (Date.now() > deadline || Date.now() - lastChange > quietMs) return { counts, complete: false };
    await sleep(5);
  }
}

export async function runScenario(o: ScenarioOptions): Promise<ScenarioResult> {
  const load0 = loadavg();
  const usePlugin = o.plugin === 'nemo-relay';
  const outputs = o.outputs ?? [...ALL_OUTPUTS];
  const otlpOn = (n: string) => usePlugin && outputs.includes(n as OutputName);
  // The floor gets a receiver too, so both processes carry the same machinery.
  const receiver = await startReceiverProcess([...OTLP_OUTPUTS]);
  const atifDir = mkdtempSync(join(tmpdir(), 'nemo-relay-bench-atif-'));
  // A fresh spool per run: nothing left by an earlier run is delivered (and counted) in this one.
  const spoolDir = mkdtempSync(join(tmpdir(), 'nemo-relay-bench-spool-'));
  try {
    const config = guideConfig({
      atifDir,
      spoolDir,
      opentelemetryUrl: receiver.urls.opentelemetry!,
      openinferenceUrl: receiver.urls.openinference!,
      ...(receiver.urls['signals'] ? { signalsOrigin: receiver.urls['signals'] } : {}),
      enabled: outputs,
    });
    resetSharedRuntime();
    // The real entry (index.ts: definePluginEntry -> register(api)), as OpenClaw loads it.
    const entry: PluginEntry = usePlugin ? ((await import('../../index.ts')).default as unknown as PluginEntry) : floorPlugin;
    const host = startHost(entry, config);
    let runtime = usePlugin ? currentRuntime() : undefined;
    if (usePlugin && !runtime) throw new Error('the plugin registered no runtime');

    const tpl = compileTurn(loadTurn(o.fixture));
    checkAgainstRetag(tpl);
    const spansPerSession = (runs: number) => 1 + runs * tpl.recording.spansPerRun;
    const hookNames = [...SUBSCRIBED_HOOKS] as string[];

    // gateway_start, then a warm-up (JIT, lazy module state, the exporters' first
    // connections), drained completely. Neither is measured.
    const start = gatewayStartDelivery(tpl);
    if (start) await runLoop(schedule(host, [start], hookNames), 1);
    if (o.warmupSessions > 0) {
      const warm = schedule(host, buildWorkload(tpl, { sessions: o.warmupSessions, runs: 1, tagPrefix: 'w', startMs: Date.now() }), hookNames);
      await runLoop(warm, o.yieldEvery);
      releaseSchedule(warm);
      if (runtime) {
        await runtime.flush();
        const want = Object.fromEntries(OTLP_OUTPUTS.map((n) => [n, otlpOn(n) ? o.warmupSessions * spansPerSession(1) : 0]));
        await waitForSpans(receiver, want, 30_000, 5_000);
      }
    }
    const countsBefore = await receiver.counts();
    const atifBefore = dirStats(atifDir);
    // As a running gateway has it (measured: OpenClaw 2026.9.6's young generation is 128 MB, all
    // resident, 9 s after start, with no plugin). BENCH_YOUNG_TOUCH=0: the old reading, without.
    const youngGeneration = touchYoungGeneration(process.env.BENCH_YOUNG_TOUCH !== '0');
    const baseline = await settledHeap();

    // Everything the replay delivers is built here, before the clock starts.
    const t0 = performance.now();
    const deliveries = buildWorkload(tpl, { sessions: o.sessions, runs: o.runs, tagPrefix: 's', startMs: Date.now() });
    deliveries.push(gatewayStopDelivery(tpl));
    const sched = schedule(host, deliveries, hookNames);
    deliveries.length = 0;
    const buildMs = performance.now() - t0;
    const preReplay = await settledHeap();

    const sampler = startPeakSampler(20);
    // BENCH_ALLOC_PROFILE=file: a sampling allocation profile of the replay and the drain, with
    // what the GC already collected (where the garbage behind the peak RSS is made). Not part of any figure.
    // BENCH_ALLOC_SURVIVORS=1 leaves out what scavenges collected: what reached the old generation.
    const allocProfile = process.env.BENCH_ALLOC_PROFILE ? new InspectorSession() : undefined;
    if (allocProfile) {
      allocProfile.connect();
      const minor = process.env.BENCH_ALLOC_SURVIVORS !== '1';
      await allocProfile.post('HeapProfiler.startSampling', { samplingInterval: 64 * 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: minor });
    }
    // BENCH_DEBUG=1: the outputs' health twice a second on stderr (not part of any figure).
    const debug = process.env.BENCH_DEBUG === '1' && runtime
      ? setInterval(() => {
          const h = runtime!.sinkHealth().map((x) => `${x.name}: exp ${x.exported} q ${x.queueDepth} fail ${x.failures} drop ${x.dropped}${x.lastError ? ` (${x.lastError.message})` : ''}${x.unit === 'spans' ? ` ${JSON.stringify({ ...x.details, endpoint: undefined })}` : ''}`);
          void receiver.counts().then((c) => process.stderr.write(`[bench ${o.sessions}x${o.runs}] ${h.join(' | ')} | received ${JSON.stringify(Object.fromEntries(Object.entries(c).map(([k, v]) => [k, [v.attempts, v.spans]])))} receiver busy ${c.opentelemetry?.activeMs} ms\n`));
        }, 500)
      : undefined;
    let stateBeforeStop: Record<string, number> | undefined;
    const loop = await runLoop(sched, o.yieldEvery, {
      at: { index: sched.handlers.length - 1, fn: () => (stateBeforeStop = stateOf(runtime)) },
    });
    const endNs = loop.endNs;
    const since = () => Number(process.hrtime.bigint() - endNs) / 1e6;
    // BENCH_DRAIN_SNAPSHOT=file[@ms]: a heap snapshot that far into the drain (default 2 s), to see
    // what the outputs hold at their peak (not part of any figure: writing it stops the process).
    const drainSnap = process.env.BENCH_DRAIN_SNAPSHOT?.split('@');
    if (drainSnap?.[0]) setTimeout(() => writeHeapSnapshot(drainSnap[0]), Number(drainSnap[1] ?? 2000));

    // Drain, three clocks started together at the last handler's return: gateway_stop's
    // handler returned runtime.stop(); the ATIF sink's own flush resolves once every file
    // is written; the receiver counts spans until every expected one has arrived.
    const expected: Record<string, number> = {};
    for (const n of OTLP_OUTPUTS) expected[n] = otlpOn(n) ? (countsBefore[n]?.spans ?? 0) + o.sessions * spansPerSession(o.runs) : 0;
    // Looked up inline: a local holding the sink would keep its whole state alive past the release below.
    const [stopMs, atifMs, got] = await Promise.all([
      Promise.allSettled(loop.returned).then(since),
      Promise.resolve(runtime?.sinks.find((s) => s.name === 'atif')?.flush()).then(since),
      waitForSpans(receiver, expected, o.drainTimeoutMs, 3_000).then((r) => ({ ...r, at: since() })),
    ]);
    // What gateway_stop's bounded flush did not deliver is in the outputs' disk spools: a
    // restarted gateway sends it. The same here: fresh OTLP outputs on the same spools (the
    // next process), inside the drain clock and the peak sampler.
    const next = got.complete || !usePlugin ? undefined : await deliverSpooled(config, receiver, expected, o.drainTimeoutMs, since);
    const spansMs = got.complete ? got.at : next?.complete ? next.at : NaN;
    // What arrived in the end, including requests that landed after the wait gave up.
    const finalCounts = got.complete ? got.counts : next?.complete ? next.counts : await receiver.counts();
    const drainEndUs = Number(process.hrtime.bigint() / 1000n);
    const peak = sampler.stop();
    if (allocProfile) {
      const { profile } = await allocProfile.post('HeapProfiler.stopSampling');
      writeFileSync(process.env.BENCH_ALLOC_PROFILE!, JSON.stringify(profile));
      allocProfile.disconnect();
    }
    if (debug) clearInterval(debug);
    const stateAfterDrain = stateOf(runtime);

    const atifAfter = dirStats(atifDir);
    const calls = sched.handlers.length;
    const events = sched.eventCount;
    const hooks = sched.hooks;
    releaseSchedule(sched);
    loop.returned.length = 0;
    const after = await settledHeap();
    // BENCH_HEAPSNAPSHOT=file: what is retained, for a retainer analysis (not part of any figure).
    if (process.env.BENCH_HEAPSNAPSHOT) writeHeapSnapshot(process.env.BENCH_HEAPSNAPSHOT);

    const sinkHealth = runtime?.sinkHealth();
    const engineCounters = runtime ? { ...runtime.engine.counters } : undefined;
    resetSharedRuntime();
    // Every process-wide slot the plugin keeps (runtime, dynamo, ...) can hold the runtime.
    const g = globalThis as Record<symbol, unknown>;
    for (const sym of Object.getOwnPropertySymbols(g)) if (sym.description?.startsWith('nemo-relay.')) delete g[sym];
    runtime = undefined;
    host.instances.clear();
    const released = await settledHeap();
    // What still runs in this process once everything is released (sockets, timers).
    const activeResources = process.getActiveResourcesInfo().reduce<Record<string, number>>((a, k) => ((a[k] = (a[k] ?? 0) + 1), a), {});

    const wallMs = Number(loop.endNs - loop.startNs) / 1e6;
    const handlerMs = (wallMs * 1e6 - loop.outsideNs) / 1e6;
    const otlp: ScenarioResult['outputs']['otlp'] = {};
    for (const n of OTLP_OUTPUTS) {
      const b = countsBefore[n]!;
      const a = finalCounts[n]!;
      otlp[n] = {
        expected: otlpOn(n) ? o.sessions * spansPerSession(o.runs) : 0,
        spans: a.spans - b.spans,
        requests: a.requests - b.requests,
        wireBytes: a.wireBytes - b.wireBytes,
        attempts: a.attempts - b.attempts,
        activeMs: a.activeMs - b.activeMs,
      };
    }
    return {
      options: o,
      pid: process.pid,
      node: process.version,
      loadavg: { start: load0.map((v) => Math.round(v * 100) / 100), end: loadavg().map((v) => Math.round(v * 100) / 100) },
      elapsedS: Math.round(process.uptime()),
      events,
      calls,
      threw: loop.threw,
      buildMs: Math.round(buildMs),
      replay: {
        wallMs: Math.round(wallMs * 10) / 10,
        eventsPerSec: Math.round(events / (wallMs / 1000)),
        handlerMs: Math.round(handlerMs * 10) / 10,
        outsideMs: Math.round(loop.outsideNs / 1e5) / 10,
        handlerOnlyEventsPerSec: Math.round(events / (handlerMs / 1000)),
      },
      handler: dist(loop.durations),
      perHook: perHook(loop.durations, hooks, sched.hookNames),
      drain: {
        stopMs: Math.round(stopMs),
        atifMs: Math.round(atifMs),
        spansMs: Math.round(spansMs),
        drainMs: Math.round(Math.max(stopMs, atifMs, Number.isNaN(spansMs) ? Infinity : spansMs)),
        // Every span arrived, from the first process or, after its bounded stop, from the spool by the next.
        complete: got.complete || next?.complete === true,
        restarted: next !== undefined,
      },
      memory: {
        youngGeneration,
        baseline,
        preReplay,
        peak,
        rssGrowthMB: mb(peak.rss - preReplay.rss),
        heapGrowthMB: mb(peak.heapUsed - preReplay.heapUsed),
        retainedMB: mb(after.heapUsed - baseline.heapUsed),
        retainedExternalMB: mb(after.external - baseline.external),
        retainedAfterReleaseMB: mb(released.heapUsed - baseline.heapUsed),
      },
      outputs: {
        atif: {
          files: atifAfter.files - atifBefore.files,
          bytes: atifAfter.bytes - atifBefore.bytes,
          expectedFiles: usePlugin && outputs.includes('atif') ? o.sessions : 0,
        },
        otlp,
        spansExpected: Object.values(otlp).reduce((a, c) => a + c.expected, 0),
        spansReceived: Object.values(otlp).reduce((a, c) => a + c.spans, 0),
      },
      sinkHealth,
      engineCounters,
      stateBeforeStop,
      stateAfterDrain,
      activeResources,
      window: {
        replayStartUs: Number(loop.startNs / 1000n),
        replayEndUs: Number(loop.endNs / 1000n),
        drainEndUs,
      },
    };
  } finally {
    await receiver.close();
    rmSync(atifDir, { recursive: true, force: true });
    rmSync(spoolDir, { recursive: true, force: true });
  }
}

// Run as a child process: options in, result out, then exit (the plugin's exit hooks run).
if (import.meta.main) {
  const options = JSON.parse(process.argv[2] ?? '{}') as ScenarioOptions;
  runScenario(options).then(
    (result) => {
      if (process.send) process.send({ type: 'result', result }, () => process.exit(0));
      else {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        process.exit(0);
      }
    },
    (err: unknown) => {
      process.stderr.write(`scenario failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
