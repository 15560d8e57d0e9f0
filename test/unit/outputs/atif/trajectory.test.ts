import { describe, expect, it } from 'vitest';
import { buildTrajectory } from '../../../../src/outputs/atif/trajectory.ts';
import { formatAtifErrors, validateAtif } from '../../../../src/outputs/atif/validate.ts';
import type { AtifStep, AtifTrajectory } from '../../../../src/outputs/atif/types.ts';
import { CAPTURE_STRIPPED } from '../../../../src/trace/model.ts';
import type { Session } from '../../../../src/trace/model.ts';
import { META, T0, adopt, call, mark, run, session, tool, usage } from './build.ts';

/** Builds and insists the result is valid ATIF v1.7. */
function build(s: Session): AtifTrajectory {
  const doc = buildTrajectory(s, META);
  expect(doc).toBeDefined();
  const res = validateAtif(doc);
  expect(res.errors, formatAtifErrors(res.errors)).toEqual([]);
  return doc!;
}

const sources = (doc: AtifTrajectory): string => doc.steps.map((s) => s.source[0]).join('');

describe('buildTrajectory', () => {
  it('text-only run: system, user, one agent step with metrics', () => {
    const s = session();
    s.runs.push(run('r1', 'Say hi', [call('r1', 1, { text: 'Hi there' })]));
    const doc = build(s);
    expect(doc.schema_version).toBe('ATIF-v1.7');
    expect(doc.session_id).toBe(s.sessionId);
    expect(doc.trajectory_id).toBe(s.sessionId);
    expect(doc.agent).toMatchObject({ name: 'openclaw', version: '2026.9.6', model_name: 'mock-1' });
    expect(doc.agent.tool_definitions).toEqual([
      { type: 'function', function: { name: 'read', description: 'Read a file', parameters: { type: 'object', properties: { path: { type: 'string' } } } } },
    ]);
    expect(sources(doc)).toBe('sua');
    expect(doc.steps.map((x) => x.step_id)).toEqual([1, 2, 3]);
    expect(doc.steps[0]).toMatchObject({ source: 'system', message: 'You are a helpful agent.' });
    expect(doc.steps[1]).toMatchObject({ source: 'user', message: 'Say hi' });
    const agent = doc.steps[2]!;
    expect(agent).toMatchObject({ source: 'agent', message: 'Hi there', model_name: 'mock-1', llm_call_count: 1, timestamp: new Date(T0 + 1000).toISOString() });
    // prompt_tokens = input + cacheRead + cacheWrite; cached = cacheRead.
    expect(agent.metrics).toEqual({
      prompt_tokens: 160,
      completion_tokens: 20,
      cached_tokens: 50,
      cost_usd: 0.0012,
      extra: { cache_write_tokens: 10, total_tokens: 180, ttft_ms: 120, duration_ms: 500, call_id: 'r1:model:1' },
    });
    expect(doc.final_metrics).toMatchObject({ total_prompt_tokens: 160, total_completion_tokens: 20, total_cached_tokens: 50, total_cost_usd: 0.0012, total_steps: 3 });
  });

  it('tool call: tool_calls from the assistant message, tool output as observation content', () => {
    const s = session();
    s.runs.push(
      run('r1', 'Read a.txt', [
        call('r1', 1, { text: '', toolCalls: [{ id: 'call_1', name: 'read', arguments: { path: 'a.txt' } }], tools: [tool('call_1', 'read', { result: 'A contents' })] }),
        call('r1', 2, { text: 'It says A contents' }),
      ]),
    );
    const doc = build(s);
    expect(sources(doc)).toBe('suaa');
    const step = doc.steps[2]!;
    expect(step.message).toBe('');
    expect(step.tool_calls).toEqual([{ tool_call_id: 'call_1', function_name: 'read', arguments: { path: 'a.txt' } }]);
    expect(step.observation).toEqual({ results: [{ source_call_id: 'call_1', content: 'A contents', extra: { duration_ms: 100 } }] });
    expect(doc.final_metrics?.extra).toMatchObject({ llm_calls: 2, tool_calls: 1, failed_tool_calls: 0 });
  });

  it('failing tool: content is the error text and extra.error is true', () => {
    const s = session();
    const failed = tool('call_x', 'exec', { status: 'error', error: 'command not found: frob', result: undefined });
    s.runs.push(run('r1', 'Run frob', [call('r1', 1, { text: '', toolCalls: [{ id: 'call_x', name: 'exec' }], tools: [failed] }), call('r1', 2, { text: 'It failed' })]));
    const doc = build(s);
    const res = doc.steps[2]!.observation!.results[0]!;
    expect(res.content).toBe('command not found: frob');
    expect(res.extra).toMatchObject({ error: true, status: 'error' });
    expect(doc.final_metrics?.extra).toMatchObject({ failed_tool_calls: 1 });
  });

  it('parallel tool calls: one step, results in the order the model asked', () => {
    const s = session();
    const c = call('r1', 1, {
      text: 'Reading both',
      toolCalls: [
        { id: 'a', name: 'read', arguments: { path: 'a' } },
        { id: 'b', name: 'read', arguments: { path: 'b' } },
      ],
      // finished in the other order
      tools: [tool('b', 'read', { result: 'B' }), tool('a', 'read', { result: 'A' })],
    });
    s.runs.push(run('r1', 'Read a and b', [c, call('r1', 2, { text: 'done' })]));
    const doc = build(s);
    const step = doc.steps[2]!;
    expect(step.tool_calls!.map((t) => t.tool_call_id)).toEqual(['a', 'b']);
    expect(step.observation!.results.map((r) => [r.source_call_id, r.content])).toEqual([
      ['a', 'A'],
      ['b', 'B'],
    ]);
  });

  it('a tool that ran but was not in the assistant message still gets a tool call, so the result names one', () => {
    const s = session();
    s.runs.push(run('r1', 'x', [call('r1', 1, { text: '', tools: [tool('late', 'read', { result: 'R' })] })]));
    const doc = build(s);
    expect(doc.steps[2]!.tool_calls).toEqual([{ tool_call_id: 'late', function_name: 'read', arguments: { path: '/tmp/a.txt' } }]);
  });

  it('subagent: child embedded as a complete trajectory and referenced from the spawning call', () => {
    const parent = session({ sessionKey: 'agent:main:gw-spawn' });
    const spawn = tool('call_spawn', 'sessions_spawn', {
      result: '{"status":"accepted","childSessionKey":"agent:main:subagent:c1"}',
      childSessionKey: 'agent:main:subagent:c1',
    });
    parent.runs.push(run('p1', 'Spawn a helper', [call('p1', 1, { text: '', toolCalls: [{ id: 'call_spawn', name: 'sessions_spawn' }], tools: [spawn] }), call('p1', 2, { text: 'Spawned' })]));
    const child = session({ sessionKey: 'agent:main:subagent:c1', sessionId: 'child-session-1' });
    child.runs.push(run('c1', 'Do the subtask', [call('c1', 1, { text: 'Subtask done', usage: usage(7, 3) })]));
    adopt(parent, child, 'p1', 'call_spawn');
    parent.runs.push(run('announce:v1:agent:main:subagent:c1:c1', 'Subagent finished: Subtask done', [call('announce:v1:agent:main:subagent:c1:c1', 1, { text: 'Helper says done' })], { trigger: 'announce' }));

    const doc = build(parent);
    expect(doc.subagent_trajectories).toHaveLength(1);
    const sub = doc.subagent_trajectories![0]!;
    expect(sub.trajectory_id).toBe('child-session-1');
    expect(sub.steps.map((x) => x.step_id)).toEqual([1, 2, 3]);
    expect(sub.steps[2]!.message).toBe('Subtask done');
    expect(sub.final_metrics).toMatchObject({ total_prompt_tokens: 7, total_completion_tokens: 3 });
    const res = doc.steps[2]!.observation!.results[0]!;
    expect(res.source_call_id).toBe('call_spawn');
    expect(res.subagent_trajectory_ref).toEqual([{ trajectory_id: 'child-session-1', session_id: 'child-session-1' }]);
    // The parent's totals are its own steps only.
    expect(doc.final_metrics?.total_prompt_tokens).toBe(160 * 3);
    expect(doc.final_metrics?.extra).toMatchObject({ subagent_trajectories: 1 });
    // The announce run is a user step that says where it came from.
    expect(doc.steps.find((x) => x.message === 'Subagent finished: Subtask done')?.extra).toMatchObject({ trigger: 'announce' });
  });

  it('a child with no steps yet is not referenced (the ref would dangle)', () => {
    const parent = session();
    const spawn = tool('call_spawn', 'sessions_spawn', { childSessionKey: 'agent:main:subagent:c2' });
    parent.runs.push(run('p1', 'Spawn', [call('p1', 1, { text: '', toolCalls: [{ id: 'call_spawn', name: 'sessions_spawn' }], tools: [spawn] })]));
    adopt(parent, session({ sessionKey: 'agent:main:subagent:c2', sessionId: 'c2' }), 'p1', 'call_spawn');
    const doc = build(parent);
    expect(doc.subagent_trajectories).toBeUndefined();
    const res = doc.steps[2]!.observation!.results[0]!;
    expect(res.subagent_trajectory_ref).toBeUndefined();
    expect(res.extra).toMatchObject({ child_session_key: 'agent:main:subagent:c2' });
  });

  it('compaction marks become system steps with context_management, placed by time', () => {
    const s = session();
    const r1 = run('r1', 'first', [call('r1', 1)]);
    const r2 = run('r2', 'second', [call('r2', 5), call('r2', 8)], {
      marks: [mark('context.compaction', T0 + 6_000, { message: 'Compacted 40 messages', attributes: { compactedCount: 40 } })],
    });
    s.runs.push(r1, r2);
    s.marks.push(mark('context.compaction', T0 + 3_000, { attributes: { summary: 'We talked about X' } }));
    s.marks.push(mark('usage.mismatch', T0 + 9_000, { severity: 'warning', message: 'llm_output total differs' }));
    const doc = build(s);
    expect(sources(doc)).toBe('suasuasa');
    const systemSteps = doc.steps.filter((x) => x.source === 'system');
    const compactions = systemSteps.filter((x) => x.extra?.['context_management']);
    expect(compactions).toHaveLength(2);
    for (const c of compactions) expect(c.extra!['context_management']).toEqual({ type: 'compaction', boundary: 'replace' });
    // Session-level one sits between the runs and carries the summary the engine saw.
    const idx = (st: AtifStep): number => doc.steps.indexOf(st);
    const secondUser = doc.steps.find((x) => x.message === 'second')!;
    expect(idx(compactions[0]!)).toBeLessThan(idx(secondUser));
    expect(compactions[0]!.observation).toEqual({ results: [{ content: 'We talked about X' }] });
    // Run-level one sits between the run's two LLM calls.
    const agentSteps = doc.steps.filter((x) => x.source === 'agent');
    expect(idx(compactions[1]!)).toBeGreaterThan(idx(agentSteps[1]!));
    expect(idx(compactions[1]!)).toBeLessThan(idx(agentSteps[2]!));
    expect(compactions[1]!.message).toBe('Compacted 40 messages');
    // Other marks are diagnostics in extra, not steps.
    expect((doc.extra?.['marks'] as { name: string }[]).map((m) => m.name)).toEqual(['usage.mismatch']);
  });

  it('a session-level compaction mark that names its run goes inside that run, between its calls', () => {
    const s = session();
    s.runs.push(run('r1', 'long task', [call('r1', 1), call('r1', 4)]));
    // As the engine records after_compaction: on the session, tagged with the run.
    s.marks.push(mark('context.compaction', T0 + 2_000, { message: 'OpenClaw compacted the conversation history', attributes: { compactedCount: 12, runId: 'r1' } }));
    const doc = build(s);
    expect(sources(doc)).toBe('suasa');
    expect(doc.steps[3]!.extra!['context_management']).toEqual({ type: 'compaction', boundary: 'replace' });
  });

  it('capture policy: prompts and responses off give the marker or "", tool args/results keep the marker, never a JSON dump', () => {
    const s = session();
    const stripped = tool('c1', 'read', { arguments: CAPTURE_STRIPPED, result: CAPTURE_STRIPPED });
    const c1 = call('r1', 1, { text: undefined, toolCalls: [{ id: 'c1', name: 'read', arguments: CAPTURE_STRIPPED }], tools: [stripped] }, [
      { role: 'system', content: undefined },
      { role: 'user', content: undefined },
    ]);
    s.runs.push(run('r1', undefined, [c1, call('r1', 2, { text: undefined })], { systemPrompt: undefined }));
    const doc = build(s);
    expect(sources(doc)).toBe('suaa');
    expect(doc.steps[0]!.message).toBe(CAPTURE_STRIPPED);
    expect(doc.steps[1]!.message).toBe(CAPTURE_STRIPPED);
    expect(doc.steps[2]!.message).toBe(CAPTURE_STRIPPED);
    expect(doc.steps[2]!.tool_calls![0]).toEqual({ tool_call_id: 'c1', function_name: 'read', arguments: {}, extra: { arguments: CAPTURE_STRIPPED } });
    expect(doc.steps[2]!.observation!.results[0]!.content).toBe(CAPTURE_STRIPPED);
    for (const st of doc.steps) expect(st.message.startsWith('{')).toBe(false);
  });

  it('prompt unknown (no conversation access): empty message, and extra says why', () => {
    const s = session();
    s.runs.push(run('r1', undefined, [call('r1', 1)], { sawLlmInput: false, systemPrompt: undefined }));
    const doc = build(s);
    expect(sources(doc)).toBe('ua');
    expect(doc.steps[0]!.message).toBe('');
    expect(doc.steps[0]!.extra?.['prompt_unavailable']).toBeTypeOf('string');
  });

  it('quiet session: no document (never steps: [])', () => {
    const s = session();
    expect(buildTrajectory(s, META)).toBeUndefined();
    s.runs.push(run('r1', undefined, [], { sawLlmInput: false, systemPrompt: undefined }));
    expect(buildTrajectory(s, META)).toBeUndefined();
  });

  it('multiple runs: each prompt once, system prompt once until it changes, step ids 1..n', () => {
    const s = session();
    s.runs.push(run('r1', 'one', [call('r1', 1, { text: 'a1' })], { llmCalls: [call('r1', 1, { text: 'a1' }, [{ role: 'user', content: 'one' }])] }));
    s.runs.push(run('r2', 'two', [call('r2', 3, { text: 'a2' })]));
    s.runs.push(run('r3', 'three', [call('r3', 5, { text: 'a3' })], { systemPrompt: 'You are now a pirate.' }));
    const doc = build(s);
    expect(sources(doc)).toBe('suauasua');
    expect(doc.steps.map((x) => x.step_id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const p of ['one', 'two', 'three']) expect(doc.steps.filter((x) => x.message === p)).toHaveLength(1);
    expect(doc.steps[5]!.message).toBe('You are now a pirate.');
  });

  it('failed LLM call: an agent step whose extra says so', () => {
    const s = session();
    const bad = call('r1', 1, { text: undefined, over: { output: undefined, usage: undefined, status: 'error', error: '503 upstream overloaded', outcome: 'error' } });
    s.runs.push(run('r1', 'hi', [bad], { status: 'error', success: false, error: '503 upstream overloaded' }));
    const doc = build(s);
    const step = doc.steps[2]!;
    expect(step).toMatchObject({ source: 'agent', message: '', llm_call_count: 1 });
    expect(step.extra).toMatchObject({ status: 'error', error: '503 upstream overloaded', outcome: 'error' });
    expect(step.metrics).toEqual({ extra: { ttft_ms: 120, duration_ms: 500, call_id: 'r1:model:1' } });
    expect(doc.steps[1]!.extra).toMatchObject({ status: 'error', error: '503 upstream overloaded' });
  });

  it('tool calls no LLM call could claim: a system step with results and no source_call_id', () => {
    const s = session();
    s.runs.push(run('r1', 'x', [call('r1', 1)], { orphanTools: [tool('o1', 'exec', { result: 'out', arguments: { cmd: 'ls' } })] }));
    const doc = build(s);
    const last = doc.steps[doc.steps.length - 1]!;
    expect(last.source).toBe('system');
    expect(last.observation!.results[0]).toMatchObject({ content: 'out', extra: { tool_call_id: 'o1', tool_name: 'exec', arguments: { cmd: 'ls' } } });
    expect(last.observation!.results[0]!.source_call_id).toBeUndefined();
  });

  it('diagnostic marks on calls and tools travel in their step extra', () => {
    const s = session();
    const t = tool('c1', 'read', { marks: [mark('tool.slow', T0, { severity: 'warning' })] });
    s.runs.push(run('r1', 'x', [call('r1', 1, { toolCalls: [{ id: 'c1', name: 'read' }], tools: [t], over: { marks: [mark('llm.unpaired_timing', T0, { severity: 'warning' })] } })]));
    const doc = build(s);
    expect((doc.steps[2]!.extra!['marks'] as { name: string }[])[0]!.name).toBe('llm.unpaired_timing');
    expect((doc.steps[2]!.observation!.results[0]!.extra!['marks'] as { name: string }[])[0]!.name).toBe('tool.slow');
  });

  it('absurd token counts (1e308, found by the fuzzer) stay integers in the metrics and totals', () => {
    const s = session();
    s.runs.push(run('r1', 'x', [call('r1', 1, { usage: usage(1e308, 1e308, 1e308, 1e308) }), call('r1', 2, { usage: usage(1e308, 5, 1e308, 0) })]));
    const doc = JSON.parse(JSON.stringify(build(s))) as AtifTrajectory;
    const res = validateAtif(doc);
    expect(res.errors, formatAtifErrors(res.errors)).toEqual([]);
    expect(Number.isInteger(doc.final_metrics?.total_prompt_tokens)).toBe(true);
  });

  it('arguments that JSON cannot hold (cycle, BigInt, non-object) do not break the document', () => {
    const s = session();
    const cyclic: Record<string, unknown> = { n: 10n, list: [1, Infinity] };
    cyclic['self'] = cyclic;
    s.runs.push(run('r1', 'x', [call('r1', 1, { toolCalls: [{ id: 'c1', name: 'read', arguments: cyclic }, { id: 'c2', name: 'read', arguments: 'raw text' }] })]));
    const doc = build(s);
    expect(doc.steps[2]!.tool_calls).toEqual([
      { tool_call_id: 'c1', function_name: 'read', arguments: { n: '10', list: [1, null], self: '[circular]' } },
      { tool_call_id: 'c2', function_name: 'read', arguments: {}, extra: { raw_arguments: 'raw text' } },
    ]);
    expect(() => JSON.stringify(doc)).not.toThrow();
  });

  it('ids: sessionKey when the sessionId is unknown; segments get their own trajectory_id', () => {
    const a = session({ sessionId: undefined, sessionKey: 'agent:main:k' });
    a.runs.push(run('r1', 'x', [call('r1', 1)]));
    expect(build(a)).toMatchObject({ session_id: 'agent:main:k', trajectory_id: 'agent:main:k' });
    const b = session({ segment: 2 } as Partial<Session>);
    b.runs.push(run('r1', 'x', [call('r1', 1)]));
    expect(build(b)).toMatchObject({ session_id: b.sessionId, trajectory_id: `${b.sessionId}#2` });
  });
});
