// End to end on the real OpenClaw 2026.9.6: the trace as the provider saw it. The scripted LLM
// records every request and, like an OTel-instrumented LLM server, continues the W3C
// `traceparent` OpenClaw sends and exports its own SERVER span to the same OTLP receiver.
// Checked: every LLM span's input equals the recorded request and is marked exact; the
// server's span is a child of our LLM span in the received trace; a blocked tool shows blocked.

import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_CONTEXT, SpanKind, defaultTextMapGetter, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenClawHarness, PLUGIN_DIR, PROBE_TOOLS_PLUGIN_DIR, REPO_ROOT, waitFor } from '../support/openclaw-harness.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.ts';
import { relayConfig } from '../support/plugin-config.ts';
import { startScriptedLlm, type RecordedRequest, type ScriptedLlm } from '../support/scripted-llm.ts';
import { inputMessages, systemInstructions } from '../../src/outputs/otlp/gen-ai/gen-ai-messages.ts';
import type { ChatMessage } from '../../src/trace/model.ts';

const TOOL_GUARD_PLUGIN_DIR = join(REPO_ROOT, 'test', 'support', 'tool-guard-plugin');
type Doc = Record<string, any>;

let llm: ScriptedLlm;
let receiver: OtlpReceiver;
let harness: OpenClawHarness;
let server: BasicTracerProvider;
let atifDir: string;

/** The recorded request's messages in the trace's shape (what the span attributes render). */
function asChat(messages: any[]): ChatMessage[] {
  return messages.map((m) => ({
    role: m.role === 'developer' ? 'system' : m.role,
    content: typeof m.content === 'string' ? m.content : Array.isArray(m.content) ? m.content.map((p: any) => p.text ?? '').join('') : '',
    ...(m.tool_calls ? { toolCalls: m.tool_calls.map((t: any) => ({ id: t.id, name: t.function.name, arguments: JSON.parse(t.function.arguments) })) } : {}),
    ...(m.tool_call_id ? { toolCallId: m.tool_call_id } : {}),
  }));
}

const traceparentOf = (r: RecordedRequest) => {
  const h = r.headers.traceparent;
  const m = typeof h === 'string' ? /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/.exec(h) : null;
  return m ? { traceId: m[1]!, spanId: m[2]! } : undefined;
};

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  // The LLM server's own tracing: continues traceparent, exports SERVER spans over OTLP/HTTP.
  server = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'scripted-llm-server' }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: receiver.url }))],
  });
  const tracer = server.getTracer('scripted-llm');
  const propagator = new W3CTraceContextPropagator();
  llm = await startScriptedLlm({
    onChatRequest: (record) => {
      const parent = propagator.extract(ROOT_CONTEXT, record.headers, defaultTextMapGetter);
      const span = tracer.startSpan('llm.server chat', { kind: SpanKind.SERVER, attributes: { 'scripted.seq': record.seq } }, parent);
      setTimeout(() => span.end(), 5);
    },
  });
  atifDir = mkdtempSync(join(tmpdir(), 'nemo-relay-e2e-pv-'));
  harness = await OpenClawHarness.create({
    llmBaseUrl: llm.baseUrl,
    plugins: [
      {
        id: 'nemo-relay',
        path: PLUGIN_DIR,
        config: relayConfig({ atifDir, opentelemetry: { endpoint: receiver.url, serviceName: 'e2e-pv', scheduledDelayMillis: 200 }, keepToolContent: true }),
      },
      { id: 'probe-tools', path: PROBE_TOOLS_PLUGIN_DIR },
      { id: 'tool-guard', path: TOOL_GUARD_PLUGIN_DIR },
    ],
  });
  // A loaded machine (2 shared cores) can take minutes to bring a gateway up.
  await harness.startGateway({ timeoutMs: 300_000 });
  const probe = await harness.gatewayCall('nemoRelay.status');
  expect(probe.exitCode, `nemo-relay not loaded: ${probe.stderr.slice(-1500)}\n${harness.logTail(3000)}`).toBe(0);
  for (const [key, message] of [
    ['pv-tool', 'please call:probe_echo now'],
    ['pv-blocked', 'please call:fail_tool now'],
  ] as const) {
    const turn = await harness.agentTurn({ sessionKey: key, message });
    expect(turn.exitCode, `${key}: ${turn.stderr.slice(-2000)}`).toBe(0);
  }
  const expected = llm.chatRequests().length;
  await waitFor(() => receiver.spans().filter((s) => s.attributes['openclaw.model_call.id'] !== undefined).length >= expected, {
    timeoutMs: 60_000,
    intervalMs: 250,
    what: `${expected} LLM spans`,
    context: () => harness.logTail(),
  });
  await server.forceFlush();
}, 600_000);

afterAll(async () => {
  await harness?.cleanup();
  await server?.shutdown();
  await receiver?.close();
  await llm?.close();
});

describe('the trace as the provider saw it', () => {
  it('every LLM span sits at the traceparent OpenClaw sent, its input equals the recorded request, marked exact', () => {
    const requests = llm.chatRequests();
    expect(requests.length).toBeGreaterThanOrEqual(4);
    const llmSpans = receiver.spans().filter((s) => s.attributes['openclaw.model_call.id'] !== undefined);
    for (const r of requests) {
      const tp = traceparentOf(r);
      expect(tp, `request ${r.seq} carries a traceparent`).toBeDefined();
      const span = llmSpans.find((s) => s.spanId === tp!.spanId);
      expect(span, `an LLM span at traceparent ${tp!.traceId}-${tp!.spanId}`).toBeDefined();
      expect(span!.traceId).toBe(tp!.traceId);
      const chat = asChat((r.body as { messages: unknown[] }).messages);
      expect(JSON.parse(span!.attributes['gen_ai.input.messages'] as string)).toEqual(JSON.parse(JSON.stringify(inputMessages(chat))));
      expect(JSON.parse(span!.attributes['gen_ai.system_instructions'] as string)).toEqual(systemInstructions(chat));
      expect(span!.attributes['nemo_relay.llm.input_fidelity']).toBe('exact');
      expect(span!.attributes['nemo_relay.llm.request_tools']).toEqual(((r.body as { tools?: any[] }).tools ?? []).map((t) => t.function.name));
    }
  });

  it('the LLM server\'s own span is a child of our LLM span, in the same trace', () => {
    const spans = receiver.spans();
    const serverSpans = spans.filter((s) => s.resource['service.name'] === 'scripted-llm-server');
    expect(serverSpans).toHaveLength(llm.chatRequests().length);
    const ours = new Map(spans.filter((s) => s.resource['service.name'] === 'e2e-pv').map((s) => [s.spanId, s]));
    for (const s of serverSpans) {
      const parent = ours.get(s.parentSpanId ?? '');
      expect(parent, `server span ${s.spanId} hangs under one of our spans`).toBeDefined();
      expect(parent!.attributes['openclaw.model_call.id']).toBeDefined();
      expect(parent!.traceId).toBe(s.traceId);
    }
  });

  it('no span of ours names a parent we never exported', () => {
    const ours = receiver.spans().filter((s: ReceivedSpan) => s.resource['service.name'] === 'e2e-pv');
    const ids = new Set(ours.map((s) => s.spanId));
    for (const s of ours) if (s.parentSpanId !== undefined) expect(ids.has(s.parentSpanId), `${s.name} -> ${s.parentSpanId}`).toBe(true);
  });

  it('a blocked tool shows as blocked, with OpenClaw\'s reason, in the span and the ATIF file', () => {
    const tool = receiver.spans().find((s) => s.attributes['gen_ai.tool.name'] === 'fail_tool');
    expect(tool, 'the fail_tool span').toBeDefined();
    expect(tool!.attributes['nemo_relay.tool.blocked']).toBe(true);
    expect(tool!.attributes['nemo_relay.tool.denied_reason']).toBe('plugin-before-tool-call');
    expect(tool!.attributes['error.type']).toBe('tool_blocked');
    expect(tool!.events.map((e) => e.name)).toContain('tool.blocked');
    const docs = readdirSync(atifDir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(atifDir, f), 'utf8')) as Doc);
    const results = docs.flatMap((d) => d.steps).flatMap((s: Doc) => s.observation?.results ?? []);
    const blocked = results.find((r: Doc) => r.extra?.blocked === true);
    expect(blocked?.content).toBe('blocked: plugin-before-tool-call');
  });
});
