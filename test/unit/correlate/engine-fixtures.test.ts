// The engine against hook streams recorded from the real OpenClaw 2026.9.6 (fixtures/), and
// against reordered, duplicated, missing and interleaved variants of them.

import { describe, expect, it } from 'vitest';
import { readRecording, replay, type RecordedHook } from '../../support/replay.ts';
import { interleave, onlyHooks, retag } from '../../support/streams.ts';
import { CONVERSATION_GATED_HOOKS } from '../../../src/ingest/hook-names.ts';
import { isDeepFrozen } from '../../../src/finalize/snapshot.ts';
import type { Run } from '../../../src/trace/model.ts';
import { parseHook } from '../../../src/ingest/parse.ts';
import { RECENT_RUNS_CAP } from '../../../src/util/caps.ts';

const fixture = (name: string) => readRecording(new URL(`../../../fixtures/${name}`, import.meta.url).pathname);
const capture = { capture: { stripToolArgs: false, stripToolResults: false } };

/** What the recording itself says, to compare the trace against. */
function facts(records: RecordedHook[]) {
  const ev = (r: RecordedHook) => r.event as Record<string, any>;
  return {
    started: new Map(records.filter((r) => r.hook === 'model_call_started').map((r) => [ev(r).callId as string, r.ts])),
    ended: new Map(records.filter((r) => r.hook === 'model_call_ended').map((r) => [ev(r).callId as string, r.ts])),
    usages: records
      .filter((r) => r.hook === 'before_message_write' && ev(r).message?.role === 'assistant')
      .map((r) => ev(r).message.usage),
    toolStarts: new Map(records.filter((r) => r.hook === 'before_tool_call').map((r) => [ev(r).toolCallId as string, r.ts])),
  };
}

describe('engine on recorded gateway runs', () => {
  it('builds one LLM span per model call with exact timing, usage and parented tools', () => {
    const records = fixture('gateway-tool-call.jsonl');
    const f = facts(records);
    const { runs, sessions, engine } = replay(records, capture);
    expect(sessions).toHaveLength(1);
    const session = sessions[0]!;
    expect(session.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(session.openedBy).toBe('session_start');
    expect(runs).toHaveLength(2);
    const calls = runs.flatMap((r) => r.run.llmCalls);
    expect(calls).toHaveLength(f.started.size);
    for (const call of calls) {
      expect(call.startTime).toBe(f.started.get(call.callId));
      expect(call.endTime).toBe(f.ended.get(call.callId));
      expect(call.status).toBe('ok');
      expect(call.marks).toEqual([]);
    }
    // Per-call usage is the assistant message's own, in order.
    expect(calls.map((c) => [c.usage?.input, c.usage?.output, c.usage?.cacheRead])).toEqual(
      f.usages.map((u: any) => [u.input, u.output, u.cacheRead]),
    );
    const [first, second] = runs[0]!.run.llmCalls;
    expect(first!.output?.toolCalls?.map((t) => t.name)).toEqual(['probe_echo']);
    expect(first!.tools).toHaveLength(1);
    const tool = first!.tools[0]!;
    expect(tool.startTime).toBe(f.toolStarts.get(tool.toolCallId));
    expect(tool.result).toBe('echo: hello');
    expect(tool.llmCallId).toBe(first!.callId);
    // The second call saw the first answer and the tool result, and the prompt only once.
    // As the provider got it: OpenClaw's internal-context message goes last, after the tool result.
    expect(second!.input.map((m) => m.role).slice(-3)).toEqual(['assistant', 'tool', 'user']);
    expect(second!.input.at(-1)!.content).toContain('<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>');
    expect(second!.inputFidelity).toBe('exact');
    // OpenClaw's own view, where it differs, is kept beside it.
    expect(second!.openclawInput!.map((m) => m.role).slice(-2)).toEqual(['assistant', 'tool']);
    const prompts = second!.input.filter((m) => m.role === 'user' && m.content?.includes('please call:probe_echo'));
    expect(prompts).toHaveLength(1);
    // Run totals from llm_output agree with the per-call sum: no mismatch mark.
    expect(runs.flatMap((r) => r.run.marks.map((m) => m.name))).not.toContain('usage.mismatch');
    expect(runs[0]!.run.reportedUsage?.input).toBe(calls.slice(0, 2).reduce((a, c) => a + c.usage!.input, 0));
    expect(engine.openSessions).toBe(0);
    expect(session.endReason).toBeTruthy();
  });

  it('reports a failing tool as an error span', () => {
    const { runs } = replay(fixture('gateway-failing-tool.jsonl'), capture);
    const tool = runs[0]!.run.llmCalls[0]!.tools[0]!;
    expect(tool.name).toBe('fail_tool');
    expect(tool.status).toBe('error');
    expect(tool.error).toMatch(/fail/);
  });

  it('nests a subagent under the sessions_spawn call that started it', () => {
    const { sessions, runs } = replay(fixture('gateway-subagent.jsonl'), capture);
    const root = sessions.find((s) => !s.parent)!;
    const child = sessions.find((s) => s.parent)!;
    // Each sessionEnded carries a snapshot of the tree taken when that session ended: the
    // root's holds the child (ended by then) as a snapshot of its own.
    expect(root.children.map((c) => c.spanId)).toEqual([child.spanId]);
    expect(root.children[0]).toEqual({ ...child, parentSession: root });
    expect(child.sessionKey).toMatch(/:subagent:/);
    expect(child.parentSession?.spanId).toBe(root.spanId);
    expect(child.traceId).toBe(root.traceId);
    const spawn = runs[0]!.run.llmCalls[0]!.tools.find((t) => t.name === 'sessions_spawn')!;
    expect(spawn.childSessionKey).toBe(child.sessionKey);
    expect(child.parent?.toolCallId).toBe(spawn.toolCallId);
    expect(child.runs).toHaveLength(1);
    // the child closes (subagent_ended) before the root (gateway stop)
    expect(sessions.indexOf(child)).toBeLessThan(sessions.indexOf(root));
    expect(root.runs.some((r) => r.trigger === 'announce')).toBe(true);
  });
});

describe('engine on damaged streams', () => {
  const base = () => fixture('gateway-tool-call.jsonl');

  it('gives the same trace when every event is delivered twice', () => {
    const records = base();
    const once = replay(records, capture);
    const twice = replay(records.flatMap((r) => [r, structuredClone(r)]), capture);
    const shape = (res: typeof once) =>
      res.runs.flatMap((r) => r.run.llmCalls.map((c) => [c.callId, c.startTime, c.endTime, c.usage?.total, c.tools.length]));
    expect(shape(twice)).toEqual(shape(once));
    expect(twice.engine.counters.duplicates).toBeGreaterThan(0);
  });

  it('pairs out-of-order events: tool end before start, assistant before model_call_ended, llm_output before agent_end', () => {
    const records = base();
    const swap = (a: string, b: string) => {
      const i = records.findIndex((r) => r.hook === a);
      const j = records.findIndex((r, k) => k > i && r.hook === b);
      const [x, y] = [records[i]!, records[j]!];
      records[i] = { ...y, ts: x.ts };
      records[j] = { ...x, ts: y.ts };
    };
    swap('before_tool_call', 'after_tool_call');
    swap('agent_end', 'llm_output');
    const { runs } = replay(records, capture);
    const call = runs[0]!.run.llmCalls[0]!;
    expect(call.tools).toHaveLength(1);
    expect(call.tools[0]!.endTime).toBeDefined();
    expect(runs[0]!.run.reportedUsage).toBeDefined();
    expect(runs).toHaveLength(2);
  });

  it('never invents timing: a missing model_call_started gives a derived start, flagged', () => {
    const records = base().filter((r, i, all) => !(r.hook === 'model_call_started' && all.indexOf(r) === all.findIndex((x) => x.hook === 'model_call_started')));
    const { runs } = replay(records, capture);
    const call = runs[0]!.run.llmCalls[0]!;
    const ended = records.find((r) => r.hook === 'model_call_ended')!;
    expect(call.startTime).toBe(ended.ts - (ended.event as any).durationMs);
    expect(call.marks.map((m) => m.name)).toContain('llm.start_derived');
  });

  it('keeps an LLM call whose assistant message is missing, flagged incomplete', () => {
    const records = base();
    const i = records.findIndex((r) => r.hook === 'before_message_write' && (r.event as any).message.role === 'assistant');
    records.splice(i, 1);
    const { runs } = replay(records, capture);
    const calls = runs[0]!.run.llmCalls;
    expect(calls).toHaveLength(2);
    expect(calls.some((c) => c.marks.some((m) => m.name === 'llm.no_output'))).toBe(true);
  });

  it('flags a usage mismatch between per-call usage and llm_output', () => {
    const records = base();
    const out = records.find((r) => r.hook === 'llm_output')!;
    (out.event as any).usage.input += 7;
    const { runs } = replay(records, capture);
    expect(runs[0]!.run.marks.map((m) => m.name)).toContain('usage.mismatch');
    // per-call usage is kept as reported, not overwritten
    expect(runs[0]!.run.llmCalls[0]!.usage?.input).toBe((records.find((r) => r.hook === 'before_message_write' && (r.event as any).message.role === 'assistant')!.event as any).message.usage.input);
  });

  it('turns llm_output that arrives after the grace window into an amendment, never a change to the delivered run', () => {
    const records = base();
    const i = records.findIndex((r) => r.hook === 'llm_output');
    records[i] = { ...records[i]!, ts: records[i]!.ts + 5_000 };
    // Copy what the sink received at delivery time, before the late event is replayed.
    let before: unknown;
    const { runs, amendments, sessions, engine } = replay(records, { ...capture, correlation: { llmOutputGraceMs: 250 } }, {
      onRunEnded: (run: Run) => {
        before ??= structuredClone(run);
      },
    });
    const delivered = runs[0]!.run;
    expect(isDeepFrozen(delivered)).toBe(true);
    expect(delivered).toEqual(before);
    expect(delivered.marks.map((m) => m.name)).not.toContain('llm_output.late');
    expect(delivered.reportedUsage).toBeUndefined();
    // The correction travels as an amendment: a fresh frozen run with the late facts.
    expect(amendments).toHaveLength(1);
    const { amendment } = amendments[0]!;
    expect(isDeepFrozen(amendment)).toBe(true);
    expect(amendment.runId).toBe(delivered.runId);
    expect(amendment.spanId).toBe(delivered.spanId);
    expect(amendment.marks.map((m) => m.name)).toEqual(['llm_output.late']);
    expect(amendment.run.reportedUsage).toBeDefined();
    expect(amendment.run).not.toBe(delivered);
    // The session's later delivery carries the amended run in the corrected one's place.
    expect(sessions[0]!.runs).toContain(amendment.run);
    expect(sessions[0]!.runs).not.toContain(delivered);
    expect(engine.counters.lateEvents).toBeGreaterThan(0);
  });

  it('builds the best trace it can without conversation hooks (allowConversationAccess off)', () => {
    const records = onlyHooks(base(), (h) => !CONVERSATION_GATED_HOOKS.has(h));
    const { runs } = replay(records, capture);
    expect(runs).toHaveLength(2);
    const run = runs[0]!.run;
    expect(run.sawLlmInput).toBe(false);
    expect(run.prompt).toContain('please call:probe_echo');
    expect(run.llmCalls).toHaveLength(2);
    expect(run.llmCalls[0]!.tools).toHaveLength(1);
    expect(run.llmCalls.every((c) => c.usage && c.startTime && c.endTime)).toBe(true);
    expect(run.marks.map((m) => m.name)).toContain('run.end_inferred');
  });

  it('keeps interleaved sessions apart', () => {
    const records = base().filter((r) => r.hook !== 'gateway_stop');
    const copies = Array.from({ length: 5 }, (_, i) => retag(records, `s${i}`));
    const { runs, sessions, engine } = replay(interleave(copies), capture);
    engine.closeAll(Date.now(), 'test');
    expect(runs).toHaveLength(10);
    const bySession = new Map<string, number>();
    for (const r of runs) bySession.set(r.session.sessionKey, (bySession.get(r.session.sessionKey) ?? 0) + r.run.llmCalls.length);
    expect([...bySession.values()]).toEqual([3, 3, 3, 3, 3]);
    for (const r of runs) for (const c of r.run.llmCalls) expect(c.output && c.startTime && c.endTime).toBeTruthy();
    expect(sessions.length + engine.openSessions).toBe(5);
  });

  it('closing one session forgets its own finished runs only: a late llm_output still amends another open session', () => {
    const all = base().filter((r) => r.hook !== 'gateway_stop');
    const end = all.find((r) => r.hook === 'session_end')!;
    const records = all.filter((r) => r !== end);
    const lastOutput = records.findLastIndex((r) => r.hook === 'llm_output');
    const [a, b] = ['a', 'b'].map((tag) => retag([...records, end], tag));
    const lateA = a!.splice(lastOutput, 1)[0]!;
    const lateB = b!.splice(lastOutput, 1)[0]!;
    const endA = a!.pop()!;
    expect(endA.hook).toBe('session_end');
    const endB = b!.pop()!;
    const t = end.ts + 1_000;
    const stream = [...interleave([a!, b!]), { ...endB, ts: t }, { ...lateA, ts: t + 5_000 }, { ...lateB, ts: t + 5_001 }];
    const { amendments, engine } = replay(stream, { ...capture, correlation: { llmOutputGraceMs: 250 } }, { settleMs: 1_000 });
    // a's late answer amends a's run; b's session is closed, so b's late answer reaches nothing.
    expect(amendments.map((x) => x.session.sessionKey)).toEqual([amendments[0]!.session.sessionKey]);
    expect(amendments[0]!.session.sessionKey).toContain('~a');
    expect(amendments[0]!.amendment.runId).toBe((lateA.event as { runId: string }).runId);
    expect(engine.counters.lateEvents).toBe(2);
    // b's runs stay in `recent` as tombstones (late events are still recognized); a lists its own two.
    const sizes = engine.sizes();
    expect(sizes.recentRuns).toBe(4);
    expect(sizes.sessionRecentRuns).toBe(2);
    engine.handle(parseHook('session_end', endA.event, endA.ctx, t + 6_000).event!);
    expect(engine.sizes().sessionRecentRuns).toBe(0);
  });

  it('forgets a session\'s recent runs once the recent cap evicts them', () => {
    const records = base().filter((r) => r.hook !== 'gateway_stop' && r.hook !== 'session_end');
    const copies = Array.from({ length: RECENT_RUNS_CAP / 2 + 8 }, (_, i) => retag(records, `s${i}`));
    const { engine } = replay(copies.flat(), capture, { settleMs: 1_000 });
    const sizes = engine.sizes();
    expect(sizes.openSessions).toBe(copies.length);
    expect(sizes.recentRuns).toBe(RECENT_RUNS_CAP);
    // Evicted runs left their sessions' lists too: each list holds only runs the engine still has.
    expect(sizes.sessionRecentRuns).toBe(RECENT_RUNS_CAP);
  });

  it('gives the session the tool definitions llm_input sent, replaced when a later run sends a list of another size', () => {
    const records = base();
    const inputs = records.filter((r) => r.hook === 'llm_input');
    expect(inputs).toHaveLength(2);
    const sent = (inputs[0]!.event as { tools: Record<string, unknown>[] }).tools;
    const first = replay(records, capture);
    const tools = first.sessions[0]!.tools;
    expect(tools.map((t) => t.name)).toEqual(sent.map((t) => t.name));
    expect(tools[0]).toEqual({ name: sent[0]!.name, description: sent[0]!.description, parameters: sent[0]!.parameters });
    // The second run sends one tool fewer: the session ends with that list.
    const i = records.indexOf(inputs[1]!);
    const fewer = sent.slice(1);
    records[i] = { ...inputs[1]!, event: { ...(inputs[1]!.event as object), tools: fewer } };
    const second = replay(records, capture);
    expect(second.sessions[0]!.tools.map((t) => t.name)).toEqual(fewer.map((t) => t.name));
  });

  it('bounds buffered records per key and counts what it drops', () => {
    const records = base();
    const tool = records.find((r) => r.hook === 'before_tool_call')!;
    const at = records.indexOf(tool);
    // 50 tool calls that no assistant message asked for, on one run
    const extra = Array.from({ length: 50 }, (_, i) => ({ ...tool, event: { ...(tool.event as object), toolCallId: `ghost-${i}` } }));
    records.splice(at, 0, ...extra);
    const { runs, engine } = replay(records, { ...capture, correlation: { maxRecordsPerKey: 8 } });
    expect(engine.counters.recordsDropped).toBeGreaterThanOrEqual(42);
    // nothing is lost: every ghost ends up in the run as an orphan tool, flagged
    expect(runs[0]!.run.orphanTools).toHaveLength(50);
    expect(runs[0]!.run.orphanTools.every((t) => t.marks.some((m) => m.name === 'tool.no_owner'))).toBe(true);
  });

  it('expires a run that never ends after recordTtlMs, exported with what was known', () => {
    const records = base();
    const cut = records.findIndex((r) => r.hook === 'agent_end');
    const { runs, engine } = replay(records.slice(0, cut), { ...capture, correlation: { recordTtlMs: 10_000 } }, { settleMs: 30_000 });
    expect(runs).toHaveLength(1);
    expect(runs[0]!.run.marks.map((m) => m.name)).toContain('run.expired');
    expect(runs[0]!.run.status).toBe('incomplete');
    expect(engine.counters.recordsExpired).toBe(1);
  });
});

describe('capture policy in the engine', () => {
  it('strips tool arguments and results by default, and drops prompts/responses when asked', () => {
    const { runs } = replay(fixture('gateway-tool-call.jsonl'), { capture: { includePrompts: false, includeResponses: false } });
    const [first, second] = runs[0]!.run.llmCalls;
    expect(first!.tools[0]!.arguments).toBe('[stripped by nemo-relay capture policy]');
    expect(first!.tools[0]!.result).toBe('[stripped by nemo-relay capture policy]');
    expect(first!.output?.toolCalls?.[0]!.arguments).toBe('[stripped by nemo-relay capture policy]');
    expect(second!.output?.content).toBeUndefined();
    expect(second!.input.filter((m) => m.role !== 'tool').every((m) => m.content === undefined)).toBe(true);
    expect(runs[0]!.run.prompt).toBeUndefined();
  });

  it('masks secrets that a tool returns', () => {
    const records = fixture('gateway-tool-call.jsonl');
    const after = records.find((r) => r.hook === 'after_tool_call')!;
    (after.event as any).result = { content: [{ type: 'text', text: 'key sk-abcdefghijklmnopqrstuvwx and Bearer abc.def.ghijklmnop' }] };
    const { runs } = replay(records, capture);
    const result = runs[0]!.run.llmCalls[0]!.tools[0]!.result!;
    expect(result).not.toContain('sk-abcdefghijklmnopqrstuvwx');
    expect(result).not.toContain('abc.def.ghijklmnop');
    expect(result).toContain('[REDACTED]');
  });
});
