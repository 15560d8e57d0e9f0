// OpenClaw's W3C trace context (hook ctx.trace) joined: in the default per-run mode each run's
// spans live in the trace OpenClaw propagates, each LLM span has the span id OpenClaw sent to
// the provider as traceparent parent, and no exported span names a parent that is never
// exported. Checked on what a real OTLP receiver decodes.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRecording, replay, type RecordedHook } from '../../support/replay.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../../support/otlp-receiver.ts';
import { createOtlpOutputSink } from '../../../src/outputs/otlp/projections.ts';
import { otlpConfig } from '../outputs/otlp/session-fixture.ts';

const fixture = (name: string) => readRecording(new URL(`../../../fixtures/${name}`, import.meta.url).pathname);
type Ctx = { trace?: { traceId: string; spanId: string; parentSpanId?: string } };
const ctxTrace = (r: RecordedHook) => (r.ctx as Ctx | null)?.trace;
const ev = (r: RecordedHook) => r.event as Record<string, any>;

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(() => receiver.close());

/** Replays a recording and exports everything it produced, in delivery order; returns the decoded spans. */
async function exported(records: RecordedHook[], correlation: Record<string, unknown> = {}): Promise<ReceivedSpan[]> {
  receiver.clear();
  const sink = createOtlpOutputSink(otlpConfig(receiver.url));
  const { runs, sessions } = replay(records, { correlation });
  for (const { session, run } of runs) sink.runEnded(session, run);
  for (const s of sessions) sink.sessionEnded(s);
  await sink.flush();
  await sink.shutdown();
  return receiver.spans();
}

/** Every parent an exported span names is a span of the same stream, in the same trace. */
function assertParentsExported(spans: ReceivedSpan[], external: (s: ReceivedSpan) => boolean = () => false): void {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  expect(byId.size).toBe(spans.length); // no span id used twice
  for (const s of spans) {
    if (s.parentSpanId === undefined || external(s)) continue;
    const parent = byId.get(s.parentSpanId);
    expect(parent, `${s.name} ${s.spanId} names parent ${s.parentSpanId}, which was never exported`).toBeDefined();
    expect(parent!.traceId).toBe(s.traceId);
  }
  for (const s of spans) for (const l of s.links) expect(byId.get(l.spanId)?.traceId, `link of ${s.name}`).toBe(l.traceId);
}

const llmSpans = (spans: ReceivedSpan[]) => spans.filter((s) => s.attributes['openclaw.model_call.id'] !== undefined);
const runSpans = (spans: ReceivedSpan[]) => spans.filter((s) => s.attributes['openclaw.run.id'] !== undefined && s.attributes['openclaw.model_call.id'] === undefined && s.attributes['openclaw.tool_call.id'] === undefined);

describe('per-run trace mode (default)', () => {
  it('puts each LLM span at the span id OpenClaw sent to the provider, in OpenClaw\'s trace', async () => {
    const records = fixture('gateway-tool-call.jsonl');
    const spans = await exported(records);
    assertParentsExported(spans);
    const started = records.filter((r) => r.hook === 'model_call_started');
    const llm = llmSpans(spans);
    expect(llm).toHaveLength(started.length);
    for (const r of started) {
      const span = llm.find((s) => s.attributes['openclaw.model_call.id'] === ev(r).callId)!;
      expect(span.spanId).toBe(ctxTrace(r)!.spanId);
      expect(span.traceId).toBe(ctxTrace(r)!.traceId);
      expect(span.attributes['openclaw.trace.parent_span_id']).toBe(ctxTrace(r)!.parentSpanId);
    }
    // The traceparent the scripted LLM received (same recording) names these same ids.
    const requests = readFileSync(new URL('../../../fixtures/llm-requests-tool-call.jsonl', import.meta.url), 'utf8')
      .split('\n').filter(Boolean).map((l) => JSON.parse(l) as { headers: Record<string, string> });
    const parents = requests.map((r) => r.headers.traceparent!.split('-'));
    expect(parents.length).toBeGreaterThan(0);
    for (const [, traceId, parentId] of parents) {
      expect(llm.some((s) => s.traceId === traceId && s.spanId === parentId), `traceparent ${traceId}-${parentId}`).toBe(true);
    }
    // Runs: OpenClaw's run span id and trace, roots of their trace, linked to the session span.
    const session = spans.find((s) => s.attributes['openclaw.run.id'] === undefined)!;
    for (const run of runSpans(spans)) {
      const runId = run.attributes['openclaw.run.id'];
      const hook = records.find((r) => r.hook === 'agent_turn_prepare' && (ev(r).runId ?? (r.ctx as { runId?: string }).runId) === runId)!;
      expect(run.spanId).toBe(ctxTrace(hook)!.spanId);
      expect(run.traceId).toBe(ctxTrace(hook)!.traceId);
      expect(run.parentSpanId).toBeUndefined();
      expect(run.links).toEqual([{ traceId: session.traceId, spanId: session.spanId, attributes: { 'nemo_relay.link': 'session' } }]);
    }
    for (const s of spans) expect(s.attributes['session.id']).toBe(session.attributes['openclaw.session.id']);
  });

  it('nests a subagent\'s run under the spawning run (OpenClaw\'s own parent), never under an unexported id', async () => {
    const records = fixture('gateway-subagent.jsonl');
    const spans = await exported(records);
    assertParentsExported(spans);
    const runs = runSpans(spans);
    const byRun = (id: string) => runs.find((s) => s.attributes['openclaw.run.id'] === id)!;
    const spawn = records.find((r) => r.hook === 'subagent_spawned')!;
    const child = byRun(ev(spawn).runId);
    const parentRunId = records.find((r) => r.hook === 'before_tool_call')!.ctx as { runId: string };
    const parent = byRun(parentRunId.runId);
    expect(child.parentSpanId).toBe(parent.spanId);
    expect(child.traceId).toBe(parent.traceId);
    // The child session's span: under its parent session, linked to the spawning tool span.
    const sessions = spans.filter((s) => s.attributes['openclaw.run.id'] === undefined);
    expect(sessions).toHaveLength(2);
    const childSession = sessions.find((s) => s.parentSpanId !== undefined)!;
    const tool = spans.find((s) => s.attributes['gen_ai.tool.name'] === 'sessions_spawn')!;
    expect(childSession.links.map((l) => l.spanId)).toEqual([tool.spanId]);
  });

  it('without conversation access the run joins its calls\' trace as a root', async () => {
    const gated = new Set(['llm_input', 'llm_output', 'agent_end', 'before_agent_finalize', 'before_agent_run', 'before_prompt_build', 'agent_turn_prepare', 'before_agent_reply', 'before_model_resolve']);
    const records = fixture('gateway-tool-call.jsonl').filter((r) => !gated.has(r.hook));
    const spans = await exported(records);
    assertParentsExported(spans);
    for (const run of runSpans(spans)) {
      const call = llmSpans(spans).find((s) => s.attributes['openclaw.run.id'] === run.attributes['openclaw.run.id'])!;
      expect(run.traceId).toBe(call.traceId);
      expect(call.parentSpanId).toBe(run.spanId);
    }
  });
});

describe('per-session trace mode', () => {
  it('keeps one trace per session with runs under the session span', async () => {
    const records = fixture('gateway-tool-call.jsonl');
    const spans = await exported(records, { traceMode: 'per_session' });
    assertParentsExported(spans);
    const session = spans.find((s) => s.attributes['openclaw.run.id'] === undefined)!;
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([session.traceId]));
    for (const run of runSpans(spans)) expect(run.parentSpanId).toBe(session.spanId);
    const ctxIds = new Set(records.map((r) => ctxTrace(r)?.spanId).filter(Boolean));
    for (const s of spans) expect(ctxIds.has(s.spanId)).toBe(false);
  });
});

describe('with OpenClaw\'s diagnostics-otel exporter active', () => {
  const KEY = Symbol.for('openclaw.diagnosticTracePropagation.state.v1');
  const g = globalThis as Record<symbol, unknown>;
  // The exporter's ids: a deterministic function of OpenClaw's, as a bridge would map them.
  const mapped = (id: string) => id.split('').reverse().join('');
  const TRACE = 'abcdefabcdefabcdefabcdefabcdef12';

  async function withBridge<T>(resolve: (t: { traceId: string; spanId: string }) => unknown, fn: () => Promise<T>): Promise<T> {
    const before = g[KEY];
    g[KEY] = { marker: KEY, bridges: new Set([{ resolveTraceContext: resolve }]) };
    try {
      return await fn();
    } finally {
      if (before === undefined) delete g[KEY];
      else g[KEY] = before;
    }
  }

  it('never reuses the ctx span ids and hangs the spans under the exporter\'s', async () => {
    const records = fixture('gateway-tool-call.jsonl');
    const spans = await withBridge((t) => ({ traceId: TRACE, spanId: mapped(t.spanId) }), () => exported(records));
    const ctxIds = new Set(records.map((r) => ctxTrace(r)?.spanId).filter(Boolean));
    for (const s of spans) expect(ctxIds.has(s.spanId)).toBe(false);
    for (const r of records.filter((x) => x.hook === 'model_call_started')) {
      const span = llmSpans(spans).find((s) => s.attributes['openclaw.model_call.id'] === ev(r).callId)!;
      expect(span.traceId).toBe(TRACE);
      expect(span.parentSpanId).toBe(mapped(ctxTrace(r)!.spanId));
      expect(span.attributes['nemo_relay.trace.parent']).toBe('openclaw.diagnostics_otel');
    }
    // Only the exporter's own spans are parents we do not send.
    assertParentsExported(spans, (s) => s.attributes['nemo_relay.trace.parent'] === 'openclaw.diagnostics_otel');
  });

  it('an exporter that cannot resolve the ids: no reuse, no dangling parent', async () => {
    const records = fixture('gateway-tool-call.jsonl');
    const spans = await withBridge(() => undefined, () => exported(records));
    assertParentsExported(spans);
    const ctxIds = new Set(records.map((r) => ctxTrace(r)?.spanId).filter(Boolean));
    for (const s of spans) expect(ctxIds.has(s.spanId)).toBe(false);
  });
});
