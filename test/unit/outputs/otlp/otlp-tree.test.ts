// The span tree an OTLP output sends, decoded from the protobuf a real receiver got:
// ids from the model, parents, real times, status and exception events, marks as events,
// subagent nesting, resource, headers and gzip.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createOtlpOutputSink } from '../../../../src/outputs/otlp/projections.ts';
import type { TraceSink } from '../../../../src/fanout/sink.ts';
import { renderSpanTree, startOtlpReceiver } from '../../../support/otlp-receiver.ts';
import type { OtlpReceiver, ReceivedSpan } from '../../../support/otlp-receiver.ts';
import { IDS, T0, TRACE_ID, TREE_SPAN_COUNT, bareSession, buildTree, exportTree, otlpConfig, simpleRun } from './session-fixture.ts';

let receiver: OtlpReceiver;
let sink: TraceSink;
let spans: ReceivedSpan[];
const byId = (id: string): ReceivedSpan => {
  const s = spans.find((x) => x.spanId === id);
  if (!s) throw new Error(`span ${id} not exported`);
  return s;
};

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  sink = createOtlpOutputSink(
    otlpConfig(receiver.url, { headers: { 'x-test-header': 'hello' }, resourceAttributes: { 'deployment.environment.name': 'test' } }),
    { version: '0.1.0-test' },
  );
  exportTree(sink, buildTree());
  await sink.flush();
  spans = receiver.spans();
});

afterAll(async () => {
  await sink.shutdown();
  await receiver.close();
});

describe('OTLP span tree', () => {
  it('exports every span of the tree once, all in the root trace, with the model ids', () => {
    expect(spans).toHaveLength(TREE_SPAN_COUNT);
    expect(new Set(spans.map((s) => s.spanId)).size).toBe(TREE_SPAN_COUNT);
    for (const s of spans) expect(s.traceId).toBe(TRACE_ID);
    expect(spans.map((s) => s.spanId).sort()).toEqual(Object.values(IDS).sort());
  });

  it('links parents: session > run > LLM call > tool, orphan tools under the run', () => {
    expect(byId(IDS.rootSession).parentSpanId).toBeUndefined();
    expect(byId(IDS.run1).parentSpanId).toBe(IDS.rootSession);
    expect(byId(IDS.run2).parentSpanId).toBe(IDS.rootSession);
    expect(byId(IDS.call1).parentSpanId).toBe(IDS.run1);
    expect(byId(IDS.call2).parentSpanId).toBe(IDS.run1);
    expect(byId(IDS.call3).parentSpanId).toBe(IDS.run2);
    expect(byId(IDS.toolRead).parentSpanId).toBe(IDS.call1);
    expect(byId(IDS.toolSpawn).parentSpanId).toBe(IDS.call1);
    expect(byId(IDS.orphanExec).parentSpanId).toBe(IDS.run1);
  });

  it('nests a subagent session under the tool call that spawned it', () => {
    expect(byId(IDS.childSession).parentSpanId).toBe(IDS.toolSpawn);
    expect(byId(IDS.childRun).parentSpanId).toBe(IDS.childSession);
    expect(byId(IDS.childCall).parentSpanId).toBe(IDS.childRun);
  });

  it('falls back to the spawning run when the tool call is unknown', async () => {
    const tree = buildTree();
    tree.child.parent = { sessionKey: tree.root.sessionKey, runId: 'run-1' };
    tree.toolSpawn.childSessionKey = undefined;
    const r = await startOtlpReceiver();
    const s = createOtlpOutputSink(otlpConfig(r.url));
    s.sessionEnded(tree.child);
    await s.flush();
    const childSpan = r.spans().find((x) => x.spanId === IDS.childSession);
    expect(childSpan?.parentSpanId).toBe(IDS.run1);
    await s.shutdown();
    await r.close();
  });

  it('carries the real times of the model, not export times', () => {
    const cases: [string, number, number][] = [
      [IDS.rootSession, T0, T0 + 9000],
      [IDS.run1, T0 + 100, T0 + 3000],
      [IDS.call1, T0 + 200, T0 + 1250],
      [IDS.toolRead, T0 + 1300, T0 + 1450],
      [IDS.toolSpawn, T0 + 1460, T0 + 1600],
      [IDS.call2, T0 + 1700, T0 + 2600],
      [IDS.run2, T0 + 5000, T0 + 5500],
      [IDS.call3, T0 + 5100, T0 + 5400],
      [IDS.childRun, T0 + 1650, T0 + 2200],
      [IDS.childCall, T0 + 1700, T0 + 2100],
    ];
    for (const [id, start, end] of cases) {
      expect(byId(id).startTimeUnixNano, id).toBe(BigInt(start) * 1_000_000n);
      expect(byId(id).endTimeUnixNano, id).toBe(BigInt(end) * 1_000_000n);
    }
    expect(byId(IDS.rootSession).attributes['nemo_relay.end_time_inferred']).toBeUndefined();
  });

  it('derives a missing start from OpenClaw’s measured duration, and says so', () => {
    const exec = byId(IDS.orphanExec);
    expect(exec.endMs).toBe(T0 + 2900);
    expect(exec.startMs).toBe(T0 + 2700);
    expect(exec.attributes['nemo_relay.start_time_inferred']).toBe(true);
  });

  it('exports a session without an end time at session end, ending with its last known child', () => {
    const child = byId(IDS.childSession);
    expect(child.startMs).toBe(T0 + 1620);
    expect(child.endMs).toBe(T0 + 2200);
    expect(child.attributes['nemo_relay.end_time_inferred']).toBe(true);
  });

  it('marks failed tools, model calls and runs as ERROR with an exception event', () => {
    for (const [id, message, type] of [
      [IDS.orphanExec, 'Permission denied', 'ToolError'],
      [IDS.call3, '500 Internal Server Error from provider', 'LlmCallError'],
      [IDS.run2, 'model call failed', 'RunError'],
    ] as const) {
      const s = byId(id);
      expect(s.status, id).toEqual({ code: 2, message });
      const exception = s.events.find((e) => e.name === 'exception');
      expect(exception?.attributes, id).toMatchObject({ 'exception.message': message, 'exception.type': type });
      expect(exception?.timeMs).toBe(s.endMs);
      expect(s.attributes['error.type']).toBeTypeOf('string');
    }
    expect(byId(IDS.call3).attributes['error.type']).toBe('error');
    for (const id of [IDS.run1, IDS.call1, IDS.call2, IDS.toolRead, IDS.toolSpawn]) {
      expect(byId(id).status.code, id).toBe(1);
      expect(byId(id).events.some((e) => e.name === 'exception')).toBe(false);
    }
  });

  it('turns diagnostic marks into span events with their time and attributes', () => {
    const [slow] = byId(IDS.toolRead).events;
    expect(slow).toMatchObject({
      name: 'tool.slow',
      timeMs: T0 + 1400,
      attributes: { threshold_ms: 100, 'nemo_relay.mark.severity': 'warning', 'nemo_relay.mark.message': 'tool took long' },
    });
    expect(byId(IDS.run1).events.map((e) => e.name)).toEqual(['usage.mismatch']);
    expect(byId(IDS.rootSession).events.map((e) => e.name)).toEqual(['session.started']);
  });

  it('uses span kinds CLIENT for model calls and INTERNAL elsewhere', () => {
    expect(byId(IDS.call1).kind).toBe(3);
    expect(byId(IDS.toolRead).kind).toBe(1);
    expect(byId(IDS.run1).kind).toBe(1);
  });

  it('carries OpenClaw ids for cross-reference with the ATIF file', () => {
    expect(byId(IDS.call1).attributes).toMatchObject({
      'openclaw.session.key': 'agent:main:main',
      'openclaw.run.id': 'run-1',
      'openclaw.model_call.id': 'run-1:model:1',
    });
    expect(byId(IDS.toolRead).attributes['openclaw.tool_call.id']).toBe('call_read');
  });

  it('sends the resource, scope, configured headers, protobuf content type and gzip bodies', () => {
    expect(receiver.requests.length).toBeGreaterThan(0);
    for (const req of receiver.requests) {
      expect(req.contentEncoding).toBe('gzip');
      expect(req.headers['content-type']).toBe('application/x-protobuf');
      expect(req.headers['x-test-header']).toBe('hello');
    }
    const [s] = spans;
    expect(s?.resource).toMatchObject({ 'service.name': 'openclaw-nemo-relay-test', 'deployment.environment.name': 'test' });
    expect(s?.scope).toEqual({ name: 'nemo-relay', version: '0.1.0-test' });
  });

  it('sends uncompressed protobuf when compression is none', async () => {
    const r = await startOtlpReceiver();
    const s = createOtlpOutputSink(otlpConfig(r.url, { compression: 'none' }));
    exportTree(s, buildTree());
    await s.flush();
    expect(r.spans()).toHaveLength(TREE_SPAN_COUNT);
    expect(r.requests.every((q) => q.contentEncoding === undefined)).toBe(true);
    await s.shutdown();
    await r.close();
  });

  it('reports exported spans in health', () => {
    const h = sink.health();
    expect(h).toMatchObject({ name: 'opentelemetry', enabled: true, state: 'ok', unit: 'spans', exported: TREE_SPAN_COUNT, failures: 0, dropped: 0, queueDepth: 0 });
    expect(h.lastSuccessTime).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(h.details).toMatchObject({ endpoint: receiver.url, projection: 'gen_ai' });
  });

  it('exports each run at its runEnded and only the session span at sessionEnded (the sink contract: once per run)', async () => {
    const r = await startOtlpReceiver();
    const s = createOtlpOutputSink(otlpConfig(r.url));
    const tree = buildTree();
    s.runEnded(tree.root, tree.run1);
    await s.flush();
    expect(r.spans()).toHaveLength(6);
    s.runEnded(tree.root, tree.run2);
    s.sessionEnded(tree.root);
    await s.flush();
    expect(r.spans().map((x) => x.spanId).sort()).toEqual([IDS.rootSession, IDS.run1, IDS.call1, IDS.toolRead, IDS.toolSpawn, IDS.call2, IDS.orphanExec, IDS.run2, IDS.call3].sort());
    await s.shutdown();
    await r.close();
  });

  it('exports an incomplete call as UNSET with its known start, flagged', async () => {
    const r = await startOtlpReceiver();
    const s = createOtlpOutputSink(otlpConfig(r.url));
    const session = bareSession();
    const run = simpleRun(session, 1, 1);
    const call = run.llmCalls[0]!;
    call.endTime = undefined;
    call.status = 'incomplete';
    run.status = 'incomplete';
    s.runEnded(session, run);
    await s.flush();
    const exported = r.spans().find((x) => x.spanId === call.spanId);
    expect(exported?.status.code).toBe(0);
    expect(exported?.attributes['nemo_relay.incomplete']).toBe(true);
    expect(exported?.attributes['nemo_relay.end_time_inferred']).toBe(true);
    // Its end is the end of the last thing known under it (its tool), never the export time.
    expect(exported?.startMs).toBe(T0 + 1);
    expect(exported?.endMs).toBe(T0 + 20);
    await s.shutdown();
    await r.close();
  });

  it('replaces a malformed model id consistently, so children still point at their parent', async () => {
    const r = await startOtlpReceiver();
    const s = createOtlpOutputSink(otlpConfig(r.url));
    const session = bareSession('not-a-trace-id');
    session.spanId = 'bogus';
    const run = simpleRun(session, 2);
    s.runEnded(session, run);
    s.sessionEnded(session);
    await s.flush();
    const spans = r.spans();
    expect(spans).toHaveLength(3);
    const sessionSpan = spans.find((x) => x.parentSpanId === undefined);
    expect(sessionSpan?.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(spans.find((x) => x.spanId === run.spanId)?.parentSpanId).toBe(sessionSpan?.spanId);
    expect(new Set(spans.map((x) => x.traceId)).size).toBe(1);
    expect(spans[0]?.traceId).toMatch(/^[0-9a-f]{32}$/);
    await s.shutdown();
    await r.close();
  });

  it('prints as a readable tree', () => {
    expect(renderSpanTree(spans)).toMatchInlineSnapshot(`
      "invoke_agent main [9000 ms]
        invoke_agent main [2900 ms] OK
          chat gpt-test-1 [1050 ms] OK
            execute_tool read_file [150 ms] OK
            execute_tool sessions_spawn [140 ms] OK
              invoke_agent main [580 ms]
                invoke_agent main [550 ms] OK
                  chat gpt-test-mini [400 ms] OK
          chat gpt-test-1 [900 ms] OK
          execute_tool exec [200 ms] ERROR(Permission denied)
        invoke_agent main [500 ms] ERROR(model call failed)
          chat gpt-test-1 [300 ms] ERROR(500 Internal Server Error from provider)"
    `);
  });
});

