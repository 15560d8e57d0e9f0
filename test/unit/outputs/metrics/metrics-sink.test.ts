// The metrics output against real collectors (OTLP/HTTP protobuf and OTLP/gRPC): the numbers
// a collector decodes equal the calls made, temporality and cardinality limits are the
// configured ones, the plugin's health is observed, and a collector that fails is counted
// without touching the caller.

import { afterEach, describe, expect, it } from 'vitest';

import { createMetricsSink } from '../../../../src/outputs/metrics/sink.ts';
import type { MetricsSink } from '../../../../src/outputs/metrics/sink.ts';
import type { MetricsOutputOptions } from '../../../../src/outputs/metrics/options.ts';
import type { OtlpTarget } from '../../../../src/outputs/otlp/transport.ts';
import { startOtlpGrpcReceiver } from '../../../support/otlp-grpc-receiver.ts';
import { startOtlpSignalReceiver } from '../../../support/otlp-signal-receiver.ts';
import type { ReceivedMetric, ReceivedPoint } from '../../../support/otlp-signals.ts';
import { run, session } from './runs.ts';
import type { CallSpec } from './runs.ts';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const http = (origin: string, extra: Partial<OtlpTarget> = {}): OtlpTarget => ({ transport: 'http_binary', url: `${origin}/v1/metrics`, headers: {}, timeoutMillis: 1500, compression: 'gzip', ...extra });

function sinkWith(endpoints: OtlpTarget[], extra: Partial<MetricsOutputOptions> = {}): MetricsSink {
  const s = createMetricsSink({ enabled: true, endpoints, exportIntervalMillis: 60_000, temporality: 'cumulative', serviceName: 'metrics-test', ...extra });
  cleanup.push(() => s.shutdown());
  return s;
}

async function httpReceiver() {
  const r = await startOtlpSignalReceiver();
  cleanup.push(() => r.close());
  return r;
}

/** Points of metric `name` in the last export (cumulative: the latest is the whole story). */
function points(metrics: ReceivedMetric[], name: string, where: Record<string, string> = {}): ReceivedPoint[] {
  return metrics
    .filter((m) => m.name === name)
    .flatMap((m) => m.points)
    .filter((p) => Object.entries(where).every(([k, v]) => p.attributes[k] === v));
}
/** Polls until `check` holds: the client settles its counters a moment after the server answers. */
async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
const total = (ps: ReceivedPoint[], f: 'sum' | 'count' | 'value') => ps.reduce((a, p) => a + (p[f] ?? 0), 0);

// Three agents' worth of calls with chosen numbers.
const CALLS: CallSpec[][] = [
  [
    { input: 100, output: 20, cacheRead: 300, cacheWrite: 40, cost: 0.01, durationMs: 1200, ttfbMs: 250, tools: [{ name: 'read_file', durationMs: 150 }] },
    { input: 50, output: 10, cost: 0.002, durationMs: 800, ttfbMs: 100 },
  ],
  [{ input: 7, output: 3, durationMs: 400, fail: true, tools: [{ name: 'exec', durationMs: 90, fail: true }, { name: 'read_file', durationMs: 50 }] }],
  [{ input: 1000, output: 500, cacheRead: 2000, cost: 0.5, durationMs: 5000, model: 'gpt-big', provider: 'anthropic' }],
];

function feed(sink: MetricsSink): void {
  const a = session('main', 1);
  sink.runEnded(a, run(a, CALLS[0]!, { durationMs: 3000 }));
  sink.runEnded(a, run(a, CALLS[1]!, { durationMs: 600, fail: true }));
  const b = session('helper', 2);
  sink.runEnded(b, run(b, CALLS[2]!, { durationMs: 5200 }));
}

function expectCallNumbers(metrics: ReceivedMetric[]): void {
  const tokens = 'gen_ai.client.token.usage';
  // input counts prompt tokens including cache reads and writes (as gen_ai.usage.input_tokens does)
  expect(total(points(metrics, tokens, { 'gen_ai.token.type': 'input' }), 'sum')).toBe(100 + 300 + 40 + 50 + 7 + 1000 + 2000);
  expect(total(points(metrics, tokens, { 'gen_ai.token.type': 'input' }), 'count')).toBe(4);
  expect(total(points(metrics, tokens, { 'gen_ai.token.type': 'output' }), 'sum')).toBe(20 + 10 + 3 + 500);
  expect(total(points(metrics, tokens, { 'gen_ai.token.type': 'cache_read' }), 'sum')).toBe(2300);
  expect(total(points(metrics, tokens, { 'gen_ai.token.type': 'cache_creation' }), 'sum')).toBe(40);
  expect(total(points(metrics, tokens, { 'gen_ai.token.type': 'output', 'gen_ai.request.model': 'gpt-big', 'gen_ai.provider.name': 'anthropic', 'gen_ai.agent.name': 'helper' }), 'sum')).toBe(500);

  const duration = points(metrics, 'gen_ai.client.operation.duration');
  expect(total(duration, 'count')).toBe(4);
  expect(total(duration, 'sum')).toBeCloseTo(1.2 + 0.8 + 0.4 + 5, 9);
  const failed = points(metrics, 'gen_ai.client.operation.duration', { 'nemo_relay.outcome': 'error' });
  expect(total(failed, 'count')).toBe(1);
  expect(failed[0]?.attributes['error.type']).toBe('error');

  const ttfc = points(metrics, 'gen_ai.client.operation.time_to_first_chunk');
  expect(total(ttfc, 'count')).toBe(2);
  expect(total(ttfc, 'sum')).toBeCloseTo(0.35, 9);

  expect(total(points(metrics, 'nemo_relay.gen_ai.cost'), 'value')).toBeCloseTo(0.512, 12);
  expect(total(points(metrics, 'nemo_relay.gen_ai.cost', { 'gen_ai.agent.name': 'main' }), 'value')).toBeCloseTo(0.012, 12);

  const tools = points(metrics, 'nemo_relay.tool.duration');
  expect(total(tools, 'count')).toBe(3);
  expect(total(points(metrics, 'nemo_relay.tool.duration', { 'gen_ai.tool.name': 'read_file' }), 'sum')).toBeCloseTo(0.2, 9);
  expect(total(points(metrics, 'nemo_relay.tool.duration', { 'nemo_relay.outcome': 'error' }), 'count')).toBe(1);

  const runs = points(metrics, 'nemo_relay.agent.run.duration');
  expect(total(runs, 'count')).toBe(3);
  expect(total(runs, 'sum')).toBeCloseTo(3 + 0.6 + 5.2, 9);
  expect(total(points(metrics, 'nemo_relay.agent.run.duration', { 'nemo_relay.outcome': 'error' }), 'count')).toBe(1);
}

describe('metrics over OTLP/HTTP', () => {
  it('exports the gen_ai metrics with the numbers of the calls made (cumulative)', async () => {
    const r = await httpReceiver();
    const sink = sinkWith([http(r.origin)], { resourceAttributes: { 'deployment.environment.name': 'test' } });
    feed(sink);
    await sink.flush();
    expect(r.metrics).toHaveLength(1);
    const metrics = r.metrics[0]!.items;
    expectCallNumbers(metrics);
    const usage = metrics.find((m) => m.name === 'gen_ai.client.token.usage')!;
    expect(usage).toMatchObject({ kind: 'histogram', temporality: 2, unit: '{token}' });
    expect(usage.resource).toMatchObject({ 'service.name': 'metrics-test', 'deployment.environment.name': 'test' });
    expect(usage.scope.name).toBe('nemo-relay');
    expect(metrics.find((m) => m.name === 'nemo_relay.gen_ai.cost')).toMatchObject({ kind: 'sum', monotonic: true, unit: 'USD' });

    // Cumulative: a second export repeats the totals plus what came since.
    const s = session('main', 3);
    sink.runEnded(s, run(s, [{ input: 1, output: 1, durationMs: 100 }]));
    await sink.flush();
    const again = r.metrics[1]!.items;
    expect(total(points(again, 'gen_ai.client.operation.duration'), 'count')).toBe(5);

    const h = sink.health();
    expect(h).toMatchObject({ state: 'ok', failures: 0, dropped: 0 });
    expect(h.exported).toBeGreaterThan(0);
    expect(h.details?.['runsRecorded']).toBe(4);
  });

  it('delta temporality exports only what happened since the last export', async () => {
    const r = await httpReceiver();
    const sink = sinkWith([http(r.origin)], { temporality: 'delta' });
    feed(sink);
    await sink.flush();
    const s = session('main', 4);
    sink.runEnded(s, run(s, [{ input: 5, output: 6, durationMs: 100, cost: 0.25 }]));
    await sink.flush();
    const second = r.metrics[1]!.items;
    expect(second.find((m) => m.name === 'gen_ai.client.token.usage')?.temporality).toBe(1);
    expect(total(points(second, 'gen_ai.client.operation.duration'), 'count')).toBe(1);
    expect(total(points(second, 'gen_ai.client.token.usage', { 'gen_ai.token.type': 'output' }), 'sum')).toBe(6);
    expect(total(points(second, 'nemo_relay.gen_ai.cost'), 'value')).toBeCloseTo(0.25, 12);
  });

  it('folds attribute sets beyond the cardinality limit into the overflow series', async () => {
    const r = await httpReceiver();
    const sink = sinkWith([http(r.origin)], { cardinalityLimit: 3 });
    const s = session('main', 5);
    for (let i = 0; i < 10; i++) sink.runEnded(s, run(s, [{ input: 10, output: 1, durationMs: 100, model: `model-${i}` }]));
    await sink.flush();
    const duration = points(r.metrics[0]!.items, 'gen_ai.client.operation.duration');
    expect(duration.length).toBeLessThanOrEqual(3);
    expect(duration.some((p) => p.attributes['otel.metric.overflow'] === true)).toBe(true);
    expect(total(duration, 'count')).toBe(10); // nothing lost, only folded
  });

  it('observes the plugin health the runtime reports', async () => {
    const r = await httpReceiver();
    let events = 41;
    const sink = sinkWith([http(r.origin)], {
      healthSource: () => ({ events: ++events, dropped: 3, queueDepth: 9, outputs: [{ name: 'atif', dropped: 1, queueDepth: 4, failures: 0 }, { name: 'opentelemetry', dropped: 2, queueDepth: 5, failures: 1 }] }),
    });
    await sink.flush();
    const metrics = r.metrics[0]!.items;
    expect(points(metrics, 'nemo_relay.events')[0]?.value).toBe(42);
    expect(points(metrics, 'nemo_relay.dropped', { 'nemo_relay.output': 'opentelemetry' })[0]?.value).toBe(2);
    expect(points(metrics, 'nemo_relay.queue.depth', { 'nemo_relay.output': 'atif' })[0]?.value).toBe(4);
    expect(metrics.find((m) => m.name === 'nemo_relay.queue.depth')?.kind).toBe('gauge');
  });

  it('max_instruments keeps the first instruments only, and says which were skipped', async () => {
    const r = await httpReceiver();
    const sink = sinkWith([http(r.origin)], { maxInstruments: 2 });
    feed(sink);
    await sink.flush();
    expect(new Set(r.metrics[0]!.items.map((m) => m.name))).toEqual(new Set(['gen_ai.client.token.usage', 'gen_ai.client.operation.duration']));
    expect(sink.health().details?.['instrumentsSkipped']).toContain('nemo_relay.gen_ai.cost');
  });

  it('a collector that rejects is counted and degrades only that endpoint; the caller never waits', async () => {
    const bad = await httpReceiver();
    const good = await httpReceiver();
    bad.failWith(503);
    const sink = sinkWith([http(bad.origin, { timeoutMillis: 500 }), http(good.origin), http('not a url')]);
    const started = performance.now();
    feed(sink);
    expect(performance.now() - started).toBeLessThan(20);
    await sink.flush();
    expectCallNumbers(good.metrics[0]!.items);
    let h = sink.health();
    expect(h.state).toBe('degraded');
    const eps = h.details?.['endpoints'] as { endpoint: string; state: string; failures: number; lastError?: { message: string } }[];
    expect(eps.map((e) => e.state)).toEqual(['degraded', 'ok', 'degraded']);
    expect(eps[0]!.failures).toBeGreaterThanOrEqual(1);
    expect(eps[2]!.lastError?.message).toMatch(/not a URL/);
    expect(h.lastError?.message).toBeDefined();

    bad.failWith(undefined);
    await sink.flush();
    h = sink.health();
    const after = h.details?.['endpoints'] as { state: string }[];
    expect(after.map((e) => e.state)).toEqual(['ok', 'ok', 'degraded']);
    expectCallNumbers(bad.metrics.at(-1)!.items);
  });
});

describe('metrics over OTLP/gRPC', () => {
  it('exports the same numbers, with headers as metadata', async () => {
    const g = await startOtlpGrpcReceiver();
    cleanup.push(() => g.close());
    const sink = sinkWith([{ transport: 'grpc', url: g.url, headers: { 'x-api-key': 'k-123' }, timeoutMillis: 1500, compression: 'gzip' }]);
    feed(sink);
    await sink.flush();
    expect(g.metrics).toHaveLength(1);
    expect(g.metrics[0]!.metadata['x-api-key']).toBe('k-123');
    expectCallNumbers(g.metrics[0]!.items);
    const h = sink.health();
    expect(h.state).toBe('ok');
    expect((h.details?.['endpoints'] as { transport: string }[])[0]?.transport).toBe('grpc');
    expect(JSON.stringify(h)).not.toContain('k-123');
  });

  it('counts UNAVAILABLE and an unreachable collector', async () => {
    const g = await startOtlpGrpcReceiver();
    cleanup.push(() => g.close());
    const { status } = await import('@grpc/grpc-js');
    g.failWith(status.UNAVAILABLE);
    const sink = sinkWith([{ transport: 'grpc', url: g.url, headers: {}, timeoutMillis: 600, compression: 'none' }]);
    feed(sink);
    await sink.flush();
    await eventually(() => sink.health().state === 'degraded');
    expect(sink.health().failures).toBeGreaterThanOrEqual(1);
    g.failWith(undefined);
    await sink.flush();
    await eventually(() => sink.health().state === 'ok');
    expectCallNumbers(g.metrics.at(-1)!.items);
  });
});
