// Transport choice and isolation: the standard environment picks gRPC where the config is
// silent, bare origins get the signal path, and none of the OTel outputs registers anything
// global (OpenClaw's own diagnostics-otel must not see or be seen by them).

import { afterEach, describe, expect, it } from 'vitest';

import type { OtlpOutputConfig } from '../../../../src/config/types.ts';
import { createOtlpOutputSink } from '../../../../src/outputs/otlp/projections.ts';
import { createLogsSink } from '../../../../src/outputs/logs/sink.ts';
import { createMetricsSink } from '../../../../src/outputs/metrics/sink.ts';
import { withSignalPath } from '../../../../src/config/otel-env.ts';
import { loadConfig } from '../../../../src/config/load.ts';
import { startOtlpGrpcReceiver } from '../../../support/otlp-grpc-receiver.ts';
import { startOtlpSignalReceiver } from '../../../support/otlp-signal-receiver.ts';
import { bareSession, buildTree, exportTree, otlpConfig, simpleRun } from './session-fixture.ts';

const ENV = ['OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_LOGS_PROTOCOL'];
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
  for (const k of ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

describe('transport from the environment', () => {
  it('a trace endpoint without transport goes over gRPC when OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=grpc', async () => {
    const g = await startOtlpGrpcReceiver();
    cleanup.push(() => g.close());
    const env = { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' };
    const raw = { plugins: { version: 1, components: [{ kind: 'observability', enabled: true, config: { version: 3, opentelemetry: { endpoints: [{ type: 'gen_ai', endpoint: g.url }] } } }] } };
    const config = loadConfig(raw, env).config.otlp[0]!;
    expect(config.transport).toBe('grpc');
    const sink = createOtlpOutputSink(config);
    cleanup.push(() => sink.shutdown());
    const s = bareSession();
    sink.runEnded(s, simpleRun(s, 1));
    await sink.flush();
    expect(g.spans()).toHaveLength(2);
    expect(sink.health().details?.['transport']).toBe('grpc');
  });

  it('an explicit transport wins over the environment', async () => {
    process.env['OTEL_EXPORTER_OTLP_PROTOCOL'] = 'grpc';
    const g = await startOtlpGrpcReceiver();
    cleanup.push(() => g.close());
    const sink = createOtlpOutputSink({ ...otlpConfig('http://127.0.0.1:9/v1/traces'), transport: 'http_binary' } as OtlpOutputConfig);
    cleanup.push(() => sink.shutdown());
    expect(sink.health().details?.['transport']).toBe('http_binary');
  });
});

describe('signal paths', () => {
  it('the config adds /v1/<signal> to a bare origin (applied only to http_binary endpoints, in src/config/endpoint.ts)', () => {
    expect(withSignalPath('http://c:4318', 'METRICS')).toBe('http://c:4318/v1/metrics');
    expect(withSignalPath('http://c:4318/', 'LOGS')).toBe('http://c:4318/v1/logs');
    expect(withSignalPath('http://c:4318/custom/path', 'LOGS')).toBe('http://c:4318/custom/path');
  });
});

describe('isolation', () => {
  it('no OTel output registers a global provider, propagator or diag logger', async () => {
    const apiKey = Symbol.for('opentelemetry.js.api.1');
    const logsKey = Symbol.for('io.opentelemetry.js.api.logs');
    const g = globalThis as Record<symbol, unknown>;
    const before = { api: { ...(g[apiKey] as object | undefined) }, logs: g[logsKey] };

    const r = await startOtlpSignalReceiver();
    cleanup.push(() => r.close());
    const grpc = await startOtlpGrpcReceiver();
    cleanup.push(() => grpc.close());
    const endpoint = (signal: string) => ({ transport: 'http_binary' as const, url: `${r.origin}/v1/${signal}`, headers: {}, timeoutMillis: 1000, compression: 'none' as const });
    const metrics = createMetricsSink({ enabled: true, endpoints: [endpoint('metrics')], exportIntervalMillis: 60_000, temporality: 'cumulative', serviceName: 'iso' });
    const logs = createLogsSink({ enabled: true, endpoints: [endpoint('logs')], maxQueueSize: 100, maxExportBatchSize: 10, scheduledDelayMillis: 10, serviceName: 'iso' });
    const traces = createOtlpOutputSink({ ...otlpConfig(grpc.url), transport: 'grpc' } as OtlpOutputConfig);
    const tree = buildTree();
    for (const sink of [metrics, logs, traces]) exportTree(sink, tree);
    for (const sink of [metrics, logs, traces]) await sink.flush();
    for (const sink of [metrics, logs, traces]) await sink.shutdown();
    expect(r.metrics.length + r.logs.length).toBeGreaterThan(0);
    expect(grpc.spans().length).toBeGreaterThan(0);

    expect({ ...(g[apiKey] as object | undefined) }).toEqual(before.api);
    expect(g[logsKey]).toBe(before.logs);
  });
});
