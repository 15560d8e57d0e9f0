// Done-when of issue 12: the published plugin's own v3 and v4 example configs
// (fixtures/published-config), pointed at this run's receivers, start a REAL OpenClaw gateway
// and produce every output: spans over gRPC and over HTTP, metric data points whose token sums
// equal what the scripted LLM reported, log records tied to exported spans, and a status that
// lists every output as ok. ATIF storage and ATOF (issue 13's outputs) are left out here.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenClawHarness, PLUGIN_DIR, PROBE_TOOLS_PLUGIN_DIR, REPO_ROOT } from '../support/openclaw-harness.ts';
import { startOtlpGrpcReceiver, type OtlpGrpcReceiver } from '../support/otlp-grpc-receiver.ts';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.ts';
import { startOtlpSignalReceiver, type OtlpSignalReceiver } from '../support/otlp-signal-receiver.ts';
import { defaultUsage, startScriptedLlm, type ScriptedLlm } from '../support/scripted-llm.ts';

const TOOL_GUARD_PLUGIN_DIR = join(REPO_ROOT, 'test', 'support', 'tool-guard-plugin');

type Doc = Record<string, any>;
const fixture = (name: string): Doc => JSON.parse(readFileSync(new URL(`../../fixtures/published-config/${name}`, import.meta.url), 'utf8'));
const observability = (cfg: Doc): Doc => cfg.plugins.components.find((c: Doc) => c.kind === 'observability').config;

let llm: ScriptedLlm;
let grpc: OtlpGrpcReceiver;
let http: OtlpReceiver;
let signals: OtlpSignalReceiver;
beforeAll(async () => {
  llm = await startScriptedLlm();
  grpc = await startOtlpGrpcReceiver();
  http = await startOtlpReceiver();
  signals = await startOtlpSignalReceiver();
});
afterAll(async () => {
  await Promise.all([llm?.close(), grpc?.close(), http?.close(), signals?.close()]);
});

async function runGateway(config: Doc, key: string): Promise<{ status: Doc; harness: OpenClawHarness }> {
  const harness = await OpenClawHarness.create({
    llmBaseUrl: llm.baseUrl,
    plugins: [
      { id: 'nemo-relay', path: PLUGIN_DIR, config: { ...config, capture: { includePrompts: true, includeResponses: true } } },
      { id: 'probe-tools', path: PROBE_TOOLS_PLUGIN_DIR },
      // Blocks fail_tool from before_tool_call: a real mark (tool.blocked) for the logs output.
      { id: 'tool-guard', path: TOOL_GUARD_PLUGIN_DIR },
    ],
  });
  // A loaded machine can take minutes to bring a gateway up.
  await harness.startGateway({ timeoutMs: 300_000 });
  for (const message of ['please call:probe_echo now', 'please call:fail_tool now']) {
    const turn = await harness.agentTurn({ sessionKey: key, message });
    expect(turn.exitCode, `${key}: ${turn.stderr.slice(-2000)}\n${harness.logTail(3000)}`).toBe(0);
  }
  // Let the batch delays and the 1 s metrics interval pass, then read status.
  await new Promise((r) => setTimeout(r, 3000));
  const res = await harness.gatewayCall<Doc>('nemoRelay.status');
  expect(res.exitCode, res.stderr).toBe(0);
  return { status: res.json!, harness };
}

const allOk = (status: Doc) => {
  for (const o of status.configuredOutputs) expect([o.name, o.state], JSON.stringify(o)).toEqual([o.name, o.enabled ? 'ok' : 'disabled']);
  expect(status.state, JSON.stringify(status.reasons)).toBe('ready');
};

describe('published v3 config: gRPC gen_ai, HTTP OpenInference, HTTP full', () => {
  it('exports spans over both transports and lists every endpoint as ok', async () => {
    const cfg = fixture('v3-grpc.json');
    const o = observability(cfg);
    o.atif.output_directory = mkdtempSync(join(tmpdir(), 'e2e-v3-atif-'));
    delete o.atif.storage;
    o.opentelemetry.endpoints[0].endpoint = grpc.url;
    o.opentelemetry.endpoints[1].endpoint = http.url;
    o.opentelemetry.endpoints[2].endpoint = new URL(http.url).origin; // a bare origin: /v1/traces is added
    delete o.opentelemetry.endpoints[2].header_env;
    for (const e of o.opentelemetry.endpoints) e.scheduled_delay_millis = 100;
    const { status, harness } = await runGateway(cfg, 'e2e-v3');
    try {
      expect(status.configuredOutputs.filter((x: Doc) => x.kind === 'traces').map((x: Doc) => x.transport)).toEqual(['grpc', 'http_binary', 'http_binary']);
      allOk(status);
      expect(status.outputHealth).toEqual({ atif: 'enabled', otel: 'enabled', openInference: 'enabled' });
      const viaGrpc = grpc.spans();
      expect(viaGrpc.length).toBeGreaterThan(0);
      expect(viaGrpc[0]!.resource).toMatchObject({ 'service.name': 'openclaw', 'service.namespace': 'agents', 'service.version': '2026.9.6' });
      expect(viaGrpc[0]!.scope).toEqual({ name: 'nemo-relay', version: '0.9.2' });
      const chat = viaGrpc.filter((s) => s.attributes['gen_ai.operation.name'] === 'chat');
      expect(chat.length).toBe(llm.chatRequests().length);
      for (const s of chat) expect(s.attributes['session.id']).toBeTruthy();
      // Over HTTP: the OpenInference endpoint and the full one, the same trace.
      const viaHttp = http.spans();
      expect(viaHttp.some((s) => s.attributes['openinference.span.kind'] !== undefined)).toBe(true);
      expect(new Set(viaHttp.map((s) => s.traceId))).toEqual(new Set(viaGrpc.map((s) => s.traceId)));
    } finally {
      await harness.cleanup();
    }
  }, 420_000);
});

describe('published v4 config: gRPC full traces, metrics over HTTP and gRPC, logs', () => {
  it('exports spans, metrics equal to the LLM usage, logs tied to spans; every output ok', async () => {
    const before = { spans: grpc.spans().length, calls: llm.chatRequests().length };
    const cfg = fixture('v4-metrics-logs.json');
    const o = observability(cfg);
    o.atif.output_directory = mkdtempSync(join(tmpdir(), 'e2e-v4-atif-'));
    delete o.atif.storage;
    delete o.atof;
    o.opentelemetry.endpoints[0].endpoint = grpc.url;
    o.opentelemetry.endpoints[0].scheduled_delay_millis = 100;
    o.opentelemetry.metrics.endpoints[0].endpoint = signals.origin;
    o.opentelemetry.metrics.endpoints[1].endpoint = grpc.url;
    o.opentelemetry.metrics.export_interval_millis = 1000;
    o.opentelemetry.metrics.temporality = 'cumulative';
    o.opentelemetry.logs.endpoints[0].endpoint = signals.origin;
    o.opentelemetry.logs.minimum_severity = 'trace';
    const { status, harness } = await runGateway(cfg, 'e2e-v4');
    try {
      expect(status.configuredOutputs.map((x: Doc) => [x.kind, x.transport])).toEqual(
        expect.arrayContaining([['traces', 'grpc'], ['metrics', 'http_binary'], ['metrics', 'grpc'], ['logs', 'http_binary']]),
      );
      allOk(status);
      const spans = grpc.spans().slice(before.spans);
      expect(spans.length).toBeGreaterThan(0);
      // Token sums: the latest cumulative point per series, over HTTP and over gRPC alike.
      const calls = llm.chatRequests().slice(before.calls);
      const completion = calls.reduce((a, r) => a + defaultUsage(r.callIndex!).completion, 0);
      const outputSum = (metrics: Doc[]) => {
        const latest = new Map<string, number>();
        for (const m of metrics) {
          if (m.name !== 'gen_ai.client.token.usage') continue;
          for (const p of m.points) if (p.attributes['gen_ai.token.type'] === 'output') latest.set(JSON.stringify(p.attributes), p.sum ?? 0);
        }
        return [...latest.values()].reduce((a, b) => a + b, 0);
      };
      expect(outputSum(signals.metrics.flatMap((c) => c.items))).toBe(completion);
      expect(outputSum(grpc.metrics.flatMap((c) => c.items))).toBe(completion);
      // Logs: after the gateway stops, every record tied to a span names an exported span.
      await harness.stopGateway('SIGTERM');
      const spanIds = new Set(grpc.spans().map((s) => s.spanId));
      const tied = signals.logs.flatMap((c) => c.items).filter((l) => l.spanId !== '');
      expect(tied.length, JSON.stringify(signals.logs.flatMap((c) => c.items).map((l) => l.eventName))).toBeGreaterThan(0);
      for (const l of tied) expect(spanIds.has(l.spanId), l.eventName).toBe(true);
      expect(tied.map((l) => l.eventName)).toContain('tool.blocked');
    } finally {
      await harness.cleanup();
    }
  }, 420_000);
});
