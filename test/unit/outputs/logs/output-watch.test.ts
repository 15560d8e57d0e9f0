// Output failures reach the logs output (and the outputs' health reaches the metrics output)
// from real sinks exporting to real, misbehaving receivers.

import { afterEach, describe, expect, it } from 'vitest';

import { createOtlpOutputSink } from '../../../../src/outputs/otlp/projections.ts';
import { startOutputWatch } from '../../../../src/outputs/logs/output-watch.ts';
import { createLogsSink } from '../../../../src/outputs/logs/sink.ts';
import { healthSourceFrom } from '../../../../src/outputs/metrics/health-source.ts';
import { createMetricsSink } from '../../../../src/outputs/metrics/sink.ts';
import { startOtlpReceiver } from '../../../support/otlp-receiver.ts';
import { startOtlpSignalReceiver } from '../../../support/otlp-signal-receiver.ts';
import { bareSession, otlpConfig, simpleRun } from '../otlp/session-fixture.ts';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

describe('output watch', () => {
  it('reports a failing trace output as an error record naming it, and its recovery', async () => {
    const spansAt = await startOtlpReceiver();
    cleanup.push(() => spansAt.close());
    const logsAt = await startOtlpSignalReceiver();
    cleanup.push(() => logsAt.close());
    spansAt.setMode('fail');
    const traces = createOtlpOutputSink(otlpConfig(spansAt.url));
    cleanup.push(() => traces.shutdown());
    const endpoint = { transport: 'http_binary' as const, url: `${logsAt.origin}/v1/logs`, headers: {}, timeoutMillis: 1000, compression: 'none' as const };
    const logs = createLogsSink({ enabled: true, endpoints: [endpoint], maxQueueSize: 100, maxExportBatchSize: 10, scheduledDelayMillis: 10, serviceName: 'watch' });
    cleanup.push(() => logs.shutdown());
    const stop = startOutputWatch(logs, () => [traces, logs], 20);
    cleanup.push(stop);

    const s = bareSession();
    traces.runEnded(s, simpleRun(s, 1));
    await traces.flush();
    const records = () => logsAt.logs.flatMap((c) => c.items);
    await logsAt.waitFor(() => records().some((r) => r.eventName === 'output.failure'));
    const failure = records().find((r) => r.eventName === 'output.failure')!;
    expect(failure).toMatchObject({ severityText: 'ERROR', severityNumber: 17 });
    expect(failure.attributes['nemo_relay.output']).toBe('opentelemetry');
    expect(String(failure.body)).toMatch(/^opentelemetry: 1 failed export: .*500/);

    spansAt.setMode('ok');
    traces.runEnded(s, simpleRun(s, 2));
    await traces.flush();
    await logsAt.waitFor(() => records().some((r) => r.eventName === 'output.recovered'));
    expect(records().filter((r) => r.eventName === 'output.failure')).toHaveLength(1);
  });

  it('feeds the outputs health to the metrics output gauges', async () => {
    const spansAt = await startOtlpReceiver();
    cleanup.push(() => spansAt.close());
    const metricsAt = await startOtlpSignalReceiver();
    cleanup.push(() => metricsAt.close());
    // A 1 kB memory budget and no spool: the second run offered at once does not fit; what
    // the trace output drops it counts (memory_budget; a span count never drops).
    const traces = createOtlpOutputSink(otlpConfig(spansAt.url, { memoryBudgetBytes: 1024, maxExportBatchSize: 2 }));
    cleanup.push(() => traces.shutdown());
    let events = 0;
    const metrics = createMetricsSink({
      enabled: true,
      endpoints: [{ transport: 'http_binary', url: `${metricsAt.origin}/v1/metrics`, headers: {}, timeoutMillis: 1000, compression: 'none' }],
      exportIntervalMillis: 60_000,
      temporality: 'cumulative',
      serviceName: 'watch',
      healthSource: healthSourceFrom(() => [traces], () => events),
    });
    cleanup.push(() => metrics.shutdown());
    const s = bareSession();
    events = 17;
    traces.runEnded(s, simpleRun(s, 1, 1));
    traces.runEnded(s, simpleRun(s, 2, 1));
    await traces.flush();
    await metrics.flush();
    const items = metricsAt.metrics[0]!.items;
    const value = (name: string) => items.find((m) => m.name === name)?.points.find((p) => p.attributes['nemo_relay.output'] === 'opentelemetry' || name === 'nemo_relay.events')?.value;
    expect(value('nemo_relay.events')).toBe(17);
    expect(value('nemo_relay.dropped')).toBe(traces.health().dropped);
    expect(traces.health().dropped).toBeGreaterThanOrEqual(1);
    expect(value('nemo_relay.queue.depth')).toBe(0);
  });
});
