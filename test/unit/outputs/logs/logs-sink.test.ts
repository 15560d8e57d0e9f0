// The logs output against real collectors (OTLP/HTTP protobuf and OTLP/gRPC): every mark
// becomes a record carrying the trace and span ids of the span the trace output exports for
// the same model object, with the mapped severity; minimum_severity filters; diagnostics are
// records too; the queue is bounded and a failing collector is counted, never thrown.

import { afterEach, describe, expect, it } from 'vitest';

import { createOtlpOutputSink } from '../../../../src/outputs/otlp/projections.ts';
import { createLogsSink } from '../../../../src/outputs/logs/sink.ts';
import type { LogsSink } from '../../../../src/outputs/logs/sink.ts';
import type { LogsOutputOptions } from '../../../../src/outputs/logs/options.ts';
import type { OtlpTarget } from '../../../../src/outputs/otlp/transport.ts';
import type { Mark } from '../../../../src/trace/model.ts';
import { GrpcStatus, startOtlpGrpcReceiver } from '../../../support/otlp-grpc-receiver.ts';
import { startOtlpReceiver } from '../../../support/otlp-receiver.ts';
import { startOtlpSignalReceiver } from '../../../support/otlp-signal-receiver.ts';
import type { ReceivedLog } from '../../../support/otlp-signals.ts';
import { ROOT_SESSION_ID, TREE_SPAN_COUNT, buildTree, exportTree, otlpConfig } from '../otlp/session-fixture.ts';
import { T0, run, session } from '../metrics/runs.ts';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const http = (origin: string, extra: Partial<OtlpTarget> = {}): OtlpTarget => ({ transport: 'http_binary', url: `${origin}/v1/logs`, headers: {}, timeoutMillis: 1500, compression: 'gzip', ...extra });

function sinkWith(endpoints: OtlpTarget[], extra: Partial<LogsOutputOptions> = {}): LogsSink {
  const s = createLogsSink({ enabled: true, endpoints, maxQueueSize: 2048, maxExportBatchSize: 512, scheduledDelayMillis: 20, serviceName: 'logs-test', ...extra });
  cleanup.push(() => s.shutdown());
  return s;
}

async function httpReceiver() {
  const r = await startOtlpSignalReceiver();
  cleanup.push(() => r.close());
  return r;
}

/** Polls until `check` holds: the client settles its counters a moment after the server answers. */
async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const allLogs = (calls: { items: ReceivedLog[] }[]) => calls.flatMap((c) => c.items);
const mark = (name: string, severity: Mark['severity'], t = T0 + 5): Mark => ({ name, severity, time: t, message: `${name} happened` });

describe('logs over OTLP/HTTP', () => {
  it('every mark of the tree is a record joined to the span the trace output exports for it', async () => {
    const logsAt = await httpReceiver();
    const spansAt = await startOtlpReceiver();
    cleanup.push(() => spansAt.close());
    const logs = sinkWith([http(logsAt.origin)]);
    const traces = createOtlpOutputSink(otlpConfig(spansAt.url));
    cleanup.push(() => traces.shutdown());

    const tree = buildTree();
    exportTree(logs, tree);
    exportTree(traces, tree);
    await logs.flush();
    await traces.flush();
    const spans = await spansAt.waitForSpans(TREE_SPAN_COUNT);
    await logsAt.waitFor(() => allLogs(logsAt.logs).length >= 3);
    const records = allLogs(logsAt.logs);

    // The fixture's marks: session.started (root), usage.mismatch (run1), tool.slow (toolRead).
    expect(records.map((r) => r.eventName).sort()).toEqual(['session.started', 'tool.slow', 'usage.mismatch']);
    for (const r of records) {
      const span = spans.find((s) => s.traceId === r.traceId && s.spanId === r.spanId);
      expect(span, `span of ${r.eventName}`).toBeDefined();
      // The same mark is an event on that very span, at the same time.
      const event = span!.events.find((e) => e.name === r.eventName);
      expect(event).toBeDefined();
      expect(Number(r.timeUnixNano / 1_000_000n)).toBe(Math.round(event!.timeMs));
      expect(r.attributes['session.id']).toBe(ROOT_SESSION_ID);
      expect(r.attributes['gen_ai.conversation.id']).toBe(ROOT_SESSION_ID);
      expect(r.resource['service.name']).toBe('logs-test');
      expect(r.scope.name).toBe('nemo-relay');
    }
    const slow = records.find((r) => r.eventName === 'tool.slow')!;
    expect(slow).toMatchObject({ severityNumber: 13, severityText: 'WARN', body: 'tool took long', spanId: tree.toolRead.spanId });
    expect(slow.attributes).toMatchObject({ threshold_ms: 100, 'gen_ai.tool.name': 'read_file', 'openclaw.tool_call.id': 'call_read' });
    expect(records.find((r) => r.eventName === 'usage.mismatch')).toMatchObject({ severityNumber: 9, severityText: 'INFO', spanId: tree.run1.spanId });

    const h = logs.health();
    expect(h).toMatchObject({ state: 'ok', exported: 3, failures: 0, dropped: 0, queueDepth: 0 });
  });

  it('honours minimum_severity and counts what it filtered', async () => {
    const r = await httpReceiver();
    const sink = sinkWith([http(r.origin)], { minimumSeverity: 'warn' });
    const s = session('main', 11);
    const marks = [mark('llm.unpaired_timing', 'warning'), mark('usage.mismatch', 'info'), mark('tool.blocked', 'error')];
    sink.runEnded(s, run(s, [{ input: 1, output: 1, marks: [marks[0]!], tools: [{ name: 'exec', durationMs: 5, marks: [marks[2]!] }] }], { marks: [marks[1]!] }));
    await sink.flush();
    await r.waitFor(() => allLogs(r.logs).length >= 2);
    const records = allLogs(r.logs);
    expect(records.map((x) => [x.eventName, x.severityText]).sort()).toEqual([
      ['llm.unpaired_timing', 'WARN'],
      ['tool.blocked', 'ERROR'],
    ]);
    expect(sink.health().details?.['belowMinimumSeverity']).toBe(1);
  });

  it('reports diagnostics (an output failing) tied to the session', async () => {
    const r = await httpReceiver();
    const sink = sinkWith([http(r.origin)]);
    const s = session('main', 12);
    sink.diagnostic({ name: 'output.failure', severity: 'error', message: 'opentelemetry[1]: HTTP 503', output: 'opentelemetry[1]', session: s, time: T0 });
    sink.diagnostic({ name: 'output.dropped', severity: 'warning', message: '12 spans dropped' });
    await sink.flush();
    await r.waitFor(() => allLogs(r.logs).length >= 2);
    const [failure, drop] = [...allLogs(r.logs)].sort((a, b) => a.eventName.localeCompare(b.eventName)).reverse();
    expect(failure).toMatchObject({ eventName: 'output.failure', severityNumber: 17, traceId: s.traceId, spanId: s.spanId, body: 'opentelemetry[1]: HTTP 503' });
    expect(failure!.timeUnixNano).toBe(BigInt(T0) * 1_000_000n);
    expect(failure!.attributes).toMatchObject({ 'nemo_relay.output': 'opentelemetry[1]', 'session.id': s.sessionId });
    expect(drop).toMatchObject({ eventName: 'output.dropped', severityNumber: 13, traceId: '', spanId: '' });
  });

  it('cuts attribute values and bodies at the attribute value length limit, as the trace outputs do', async () => {
    const r = await httpReceiver();
    const sink = sinkWith([http(r.origin)], { attributeValueLengthLimit: 8 });
    const s = session('main', 13);
    const long: Mark = { name: 'tool.slow', severity: 'warning', time: T0, message: 'a message far longer than eight', attributes: { detail: 'x'.repeat(40), short: 'ok', n: 123456789 } };
    sink.runEnded(s, run(s, [{ input: 1, output: 1 }], { marks: [long] }));
    sink.diagnostic({ name: 'output.failure', severity: 'error', message: 'opentelemetry[1]: HTTP 503 Service Unavailable', attributes: { reason: 'y'.repeat(30) } });
    await sink.flush();
    await r.waitFor(() => allLogs(r.logs).length >= 2);
    const mark = allLogs(r.logs).find((l) => l.eventName === 'tool.slow')!;
    expect(mark.body).toBe('a messag');
    expect(mark.attributes).toMatchObject({ detail: 'xxxxxxxx', short: 'ok', n: 123456789 });
    for (const v of Object.values(mark.attributes)) if (typeof v === 'string') expect(v.length).toBeLessThanOrEqual(8);
    const diag = allLogs(r.logs).find((l) => l.eventName === 'output.failure')!;
    expect(diag.body).toBe('opentele');
    expect(diag.attributes['reason']).toBe('yyyyyyyy');

    // Without a limit nothing is cut.
    const r2 = await httpReceiver();
    const whole = sinkWith([http(r2.origin)]);
    whole.runEnded(s, run(s, [{ input: 1, output: 1 }], { marks: [long] }));
    await whole.flush();
    await r2.waitFor(() => allLogs(r2.logs).length >= 1);
    expect(allLogs(r2.logs)[0]).toMatchObject({ body: long.message, attributes: { detail: 'x'.repeat(40) } });
  });

  it('bounds each endpoint queue at max_queue_size and counts the rest as dropped', async () => {
    const r = await httpReceiver();
    const sink = sinkWith([http(r.origin)], { maxQueueSize: 5, maxExportBatchSize: 5 });
    const s = session('main', 13);
    const marks = Array.from({ length: 12 }, (_, i) => mark(`m.${i}`, 'info'));
    sink.runEnded(s, run(s, [{ input: 1, output: 1 }], { marks }));
    const h = sink.health();
    expect(h.dropped).toBe(7);
    expect(h.queueDepth).toBe(5);
    await sink.flush();
    await r.waitFor(() => allLogs(r.logs).length >= 5);
    expect(allLogs(r.logs).map((x) => x.eventName)).toEqual(['m.0', 'm.1', 'm.2', 'm.3', 'm.4']);
    expect(sink.health()).toMatchObject({ queueDepth: 0, exported: 5, dropped: 7 });
  });

  it('a rejecting collector is counted and degrades only its endpoint; the caller never waits', async () => {
    const bad = await httpReceiver();
    const good = await httpReceiver();
    bad.failWith(503);
    const sink = sinkWith([http(bad.origin, { timeoutMillis: 500 }), http(good.origin)]);
    const s = session('main', 14);
    const started = performance.now();
    sink.runEnded(s, run(s, [{ input: 1, output: 1 }], { marks: [mark('a', 'info'), mark('b', 'error')] }));
    expect(performance.now() - started).toBeLessThan(20);
    await sink.flush();
    await good.waitFor(() => allLogs(good.logs).length >= 2);
    await eventually(() => (sink.health().details?.['endpoints'] as { failures: number }[])[0]!.failures > 0);
    let h = sink.health();
    expect(h.state).toBe('degraded');
    const eps = h.details?.['endpoints'] as { state: string; failures: number; failedItems: number }[];
    expect(eps[0]).toMatchObject({ state: 'degraded', failures: 1, failedItems: 2 });
    expect(eps[1]).toMatchObject({ state: 'ok', failures: 0 });

    bad.failWith(undefined);
    sink.runEnded(s, run(s, [{ input: 1, output: 1 }], { marks: [mark('c', 'info')] }));
    await sink.flush();
    await bad.waitFor(() => allLogs(bad.logs).length >= 1);
    await eventually(() => sink.health().state === 'ok');
    h = sink.health();
    expect(h.state).toBe('ok');
  });

  it('an unusable minimum_severity is reported and the default applies', async () => {
    const r = await httpReceiver();
    const sink = sinkWith([http(r.origin)], { minimumSeverity: 'loud' });
    const h = sink.health();
    expect(h.state).toBe('degraded');
    expect(h.lastError?.message).toMatch(/minimum_severity "loud": expected trace, debug, info/);
  });
});

describe('logs over OTLP/gRPC', () => {
  it('delivers the records with ids and metadata, and counts UNAVAILABLE', async () => {
    const g = await startOtlpGrpcReceiver();
    cleanup.push(() => g.close());
    const sink = sinkWith([{ transport: 'grpc', url: g.url, headers: { authorization: 'Bearer logs-secret' }, timeoutMillis: 600, compression: 'gzip' }]);
    const tree = buildTree();
    exportTree(sink, tree);
    await sink.flush();
    await g.waitFor(() => g.logs.flatMap((c) => c.items).length >= 3);
    const records = g.logs.flatMap((c) => c.items);
    expect(g.logs[0]!.metadata['authorization']).toBe('Bearer logs-secret');
    expect(records.find((r) => r.eventName === 'tool.slow')).toMatchObject({ traceId: tree.root.traceId, spanId: tree.toolRead.spanId });
    expect(JSON.stringify(sink.health())).not.toContain('logs-secret');

    g.failWith(GrpcStatus.UNAVAILABLE);
    const s = session('main', 15);
    sink.runEnded(s, run(s, [{ input: 1, output: 1 }], { marks: [mark('x', 'error')] }));
    await sink.flush();
    await eventually(() => sink.health().state === 'degraded');
    expect(sink.health().failures).toBeGreaterThanOrEqual(1);
  });
});
