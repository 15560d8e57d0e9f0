// The metrics and logs outputs as the runtime builds them from a version-4 config: a recorded
// gateway stream through the real runtime and registry reaches a real gRPC trace receiver and
// real metrics and logs receivers; a dead gRPC metrics endpoint is counted, names itself in a
// degraded status, and leaves every other output exporting.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, expect, it } from 'vitest';
import { sequentialIds } from '../../../src/correlate/ids.ts';
import { OUTPUTS } from '../../../src/outputs/registry.ts';
import { Runtime } from '../../../src/runtime/runtime.ts';
import { buildStatus } from '../../../src/status/status.ts';
import { startOtlpGrpcReceiver } from '../../support/otlp-grpc-receiver.ts';
import { startOtlpSignalReceiver } from '../../support/otlp-signal-receiver.ts';
import { readRecording } from '../../support/replay.ts';

const validateStatus = new Ajv2020({ allErrors: true, strict: false, validateFormats: false }).compile(
  JSON.parse(readFileSync(new URL('../../../schemas/status.schema.json', import.meta.url), 'utf8')),
);

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

it('v4 metrics + logs + gRPC traces from the runtime; a dead metrics endpoint degrades only itself', async () => {
  const grpc = await startOtlpGrpcReceiver();
  cleanup.push(() => grpc.close());
  const signals = await startOtlpSignalReceiver();
  cleanup.push(() => signals.close());
  const dead = await startOtlpGrpcReceiver();
  const deadUrl = dead.url;
  await dead.close(); // nothing listens there now: UNAVAILABLE on every export

  const rawConfig = {
    plugins: {
      version: 1,
      components: [
        {
          kind: 'observability',
          enabled: true,
          config: {
            version: 4,
            opentelemetry: {
              enabled: true,
              endpoints: [{ type: 'gen_ai', transport: 'grpc', endpoint: grpc.url, service_name: 'wiring', scheduled_delay_millis: 20 }],
              metrics: {
                enabled: true,
                export_interval_millis: 60_000,
                endpoints: [
                  { endpoint: signals.origin, transport: 'http_binary' },
                  { endpoint: deadUrl, transport: 'grpc', timeout_millis: 500 },
                ],
              },
              logs: { enabled: true, minimum_severity: 'trace', scheduled_delay_millis: 20, endpoints: [{ endpoint: signals.origin }] },
            },
          },
        },
      ],
    },
  };
  // Without the first model_call_started the engine marks that LLM call (start derived): a
  // log record that must carry the chat span's ids.
  const all = readRecording(path.join(import.meta.dirname, '../../../fixtures/gateway-subagent.jsonl'));
  const skipped = all.findIndex((r) => r.hook === 'model_call_started');
  const records = all.filter((_, i) => i !== skipped);
  let clock = records[0]!.ts;
  const rt = new Runtime({ rawConfig, env: {}, logger: { info() {}, warn() {}, error() {} }, pluginVersion: '0.1.0', openclawVersion: '2026.9.6', now: () => clock, ids: sequentialIds(), outputs: OUTPUTS });
  cleanup.push(() => rt.stop('test', 5000));
  expect(rt.loaded.invalid).toBe(false);
  expect(rt.loaded.issues.filter((i) => /metrics|logs/.test(i.path))).toEqual([]);
  expect(rt.sinkHealth().map((s) => s.name)).toEqual(['opentelemetry.endpoints[0]', 'opentelemetry.metrics', 'opentelemetry.logs']);

  for (const r of records) {
    clock = r.ts;
    rt.tick();
    rt.dispatch(r.hook, r.event, r.ctx);
  }
  clock += 60_000;
  rt.tick();
  await rt.flush();
  await grpc.waitFor(() => grpc.spans().length > 0);
  await signals.waitFor(() => signals.metrics.length > 0 && signals.logs.length > 0);

  // Token sums equal the usage of the LLM spans the trace output exported.
  const llmSpans = grpc.spans().filter((s) => s.attributes['gen_ai.operation.name'] === 'chat' && typeof s.attributes['gen_ai.usage.output_tokens'] === 'number');
  expect(llmSpans.length).toBeGreaterThan(0);
  const spanOutput = llmSpans.reduce((a, s) => a + (s.attributes['gen_ai.usage.output_tokens'] as number), 0);
  const tokenPoints = signals.metrics.flatMap((c) => c.items).filter((m) => m.name === 'gen_ai.client.token.usage').flatMap((m) => m.points);
  const metricOutput = tokenPoints.filter((p) => p.attributes['gen_ai.token.type'] === 'output').reduce((a, p) => a + (p.sum ?? 0), 0);
  expect(metricOutput).toBe(spanOutput);
  // The health gauges come from the runtime: the hook events it counted.
  const events = signals.metrics.flatMap((c) => c.items).find((m) => m.name === 'nemo_relay.events');
  expect(events?.points[0]?.value).toBe(rt.hookEventTotal());

  // Log records are tied to spans the trace output exported.
  const spanIds = new Set(grpc.spans().map((s) => s.spanId));
  const logs = signals.logs.flatMap((c) => c.items);
  expect(logs.length).toBeGreaterThan(0);
  const marks = logs.filter((l) => l.eventName.startsWith('llm.start_'));
  expect(marks.length).toBe(1);
  expect(spanIds.has(marks[0]!.spanId)).toBe(true);
  expect(grpc.spans().find((s) => s.spanId === marks[0]!.spanId)?.name).toMatch(/^chat /);
  // The watch reported the dead metrics endpoint as a log record naming that output.
  await signals.waitFor(() => signals.logs.flatMap((c) => c.items).some((l) => l.eventName === 'output.failure'), 10_000);
  const failure = signals.logs.flatMap((c) => c.items).find((l) => l.eventName === 'output.failure')!;
  expect(failure.attributes['nemo_relay.output']).toBe('opentelemetry.metrics');

  // The dead endpoint: counted, degraded, named; traces and logs unaffected.
  const status = buildStatus(rt);
  const metrics = status.outputs.find((o) => o.name === 'opentelemetry.metrics')!;
  expect(metrics.state).toBe('degraded');
  expect(metrics.failures).toBeGreaterThan(0);
  expect(status.state).toBe('degraded');
  expect(status.reasons.some((r) => r.startsWith('opentelemetry.metrics:') && r.includes(new URL(deadUrl).host))).toBe(true);
  expect(status.outputs.find((o) => o.name === 'opentelemetry.endpoints[0]')).toMatchObject({ state: 'ok', failures: 0, dropped: 0 });
  expect(status.outputs.find((o) => o.name === 'opentelemetry.logs')).toMatchObject({ state: 'ok', failures: 0 });
  // Every configured output, each endpoint with its transport and measured state.
  expect(status.configuredOutputs.map((o) => [o.name, o.kind, o.transport, o.state])).toEqual([
    ['opentelemetry.endpoints[0]', 'traces', 'grpc', 'ok'],
    ['opentelemetry.metrics.endpoints[0]', 'metrics', 'http_binary', 'ok'],
    ['opentelemetry.metrics.endpoints[1]', 'metrics', 'grpc', 'degraded'],
    ['opentelemetry.logs.endpoints[0]', 'logs', 'http_binary', 'ok'],
  ]);
  // The published plugin's fields.
  expect(status).toMatchObject({ id: 'nemo-relay', backend: 'hooks', status: { state: 'degraded' }, outputHealth: { atif: 'disabled', otel: 'enabled', openInference: 'disabled' } });
  expect(status.lastError).toMatch(/^opentelemetry\.metrics:/);
  expect(status.counters.llmSpansReplayed).toBe(status.counters.llmSpans);
  expect(validateStatus(JSON.parse(JSON.stringify(status))), JSON.stringify(validateStatus.errors)).toBe(true);
}, 60_000);
