// What the metrics and logs outputs cost their caller: runEnded timed per call on sinks that
// export to a real loopback collector (OTLP/HTTP protobuf, in-process), with exports running
// between calls as they would between hooks. Not part of `npm run bench` until the runtime
// wires these outputs; run with `node bench/outputs-cost.ts [runs]`.

import { createLogsSink } from '../src/outputs/logs/sink.ts';
import { createMetricsSink } from '../src/outputs/metrics/sink.ts';
import type { TraceSink } from '../src/fanout/sink.ts';
import { startOtlpSignalReceiver } from '../scripts/lib/otlp-signal-receiver.ts';
import { run, session } from '../scripts/lib/sample-runs.ts';

const RUNS = Number(process.argv[2] ?? 20_000);
const receiver = await startOtlpSignalReceiver();
const endpoint = { transport: 'http_binary' as const, url: receiver.origin, headers: {}, timeoutMillis: 5000, compression: 'gzip' as const };

function workload() {
  const sessions = Array.from({ length: 2000 }, (_, i) => session(`agent${i % 8}`, i + 1));
  return Array.from({ length: RUNS }, (_, i) => {
    const s = sessions[i % sessions.length]!;
    const m = (name: string, severity: 'info' | 'warning') => ({ name, severity, time: Date.now(), message: name });
    const r = run(
      s,
      [
        { input: 100 + i, output: 20, cacheRead: 300, cost: 0.001, durationMs: 800, ttfbMs: 120, model: `model-${i % 4}`, tools: [{ name: 'read_file', durationMs: 30, marks: [m('tool.slow', 'warning')] }] },
        { input: 50, output: 10, durationMs: 400, tools: [{ name: 'exec', durationMs: 12 }] },
      ],
      { durationMs: 1500, marks: [m('usage.mismatch', 'info'), m('llm.unpaired_timing', 'warning')] },
    );
    s.runs.length = 0; // the workload, not the sessions, holds the runs
    return { s, r };
  });
}

async function measure(name: string, sink: TraceSink): Promise<void> {
  const items = workload();
  const times = new Float64Array(items.length);
  const t0 = performance.now();
  for (let i = 0; i < items.length; i++) {
    const { s, r } = items[i]!;
    const a = performance.now();
    sink.runEnded(s, r);
    times[i] = performance.now() - a;
    if (i % 32 === 31) await new Promise((res) => setImmediate(res));
  }
  const wall = performance.now() - t0;
  await sink.flush();
  const slowest = [...times.keys()].sort((a, b) => times[b]! - times[a]!).slice(0, 3);
  console.log(`${name}: slowest calls at index ${slowest.join(', ')}`);
  times.sort();
  const q = (p: number) => (times[Math.min(times.length - 1, Math.floor(p * times.length))]! * 1000).toFixed(1);
  const h = sink.health();
  console.log(
    `${name}: ${items.length} runs, runEnded p50 ${q(0.5)} us, p99 ${q(0.99)} us, p99.9 ${q(0.999)} us, max ${q(1)} us; ${(items.length / (wall / 1000)).toFixed(0)} runs/s with yields; ` +
      `health ${h.state} exported ${h.exported} failures ${h.failures} dropped ${h.dropped}`,
  );
  await sink.shutdown();
}

await measure(
  'metrics',
  createMetricsSink({ enabled: true, endpoints: [endpoint], exportIntervalMillis: 1000, temporality: 'delta', cardinalityLimit: 2000, serviceName: 'bench' }),
);
await measure(
  'logs',
  createLogsSink({ enabled: true, endpoints: [endpoint], maxQueueSize: 2048, maxExportBatchSize: 512, scheduledDelayMillis: 200, serviceName: 'bench' }),
);
await receiver.close();
