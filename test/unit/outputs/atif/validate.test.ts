// The validator has to reject things, or every "valid ATIF" assertion in this suite passes
// vacuously. Each case breaks one rule of RFC 0001 v1.7 and checks the error names the spot.

import { describe, expect, it } from 'vitest';
import { validateAtif } from '../../../../src/outputs/atif/validate.ts';

function valid(): any {
  return {
    schema_version: 'ATIF-v1.7',
    session_id: 's1',
    trajectory_id: 's1',
    agent: { name: 'openclaw', version: '2026.9.6', tool_definitions: [{ type: 'function', function: { name: 'read', parameters: { type: 'object' } } }] },
    steps: [
      { step_id: 1, source: 'system', message: 'You are helpful.' },
      { step_id: 2, source: 'user', message: 'hi', timestamp: '2026-11-21T02:00:00.000Z' },
      {
        step_id: 3,
        source: 'agent',
        message: '',
        model_name: 'm',
        llm_call_count: 1,
        tool_calls: [{ tool_call_id: 'c1', function_name: 'sessions_spawn', arguments: {} }],
        observation: { results: [{ source_call_id: 'c1', content: 'ok', subagent_trajectory_ref: [{ trajectory_id: 'child' }] }] },
        metrics: { prompt_tokens: 10, completion_tokens: 2, cached_tokens: 4, cost_usd: 0.1 },
      },
    ],
    final_metrics: { total_prompt_tokens: 10, total_completion_tokens: 2, total_cached_tokens: 4, total_steps: 3 },
    subagent_trajectories: [{ schema_version: 'ATIF-v1.7', trajectory_id: 'child', agent: { name: 'openclaw', version: '1' }, steps: [{ step_id: 1, source: 'user', message: 'sub' }] }],
    extra: { anything: { goes: true } },
  };
}

function errorsOf(doc: unknown): { path: string; message: string }[] {
  const r = validateAtif(doc);
  expect(r.valid).toBe(r.errors.length === 0);
  return r.errors;
}

describe('validateAtif', () => {
  it('accepts the baseline document (and the RFC context_management example shape)', () => {
    expect(errorsOf(valid())).toEqual([]);
    const d = valid();
    d.steps.push({
      step_id: 4,
      source: 'system',
      message: 'Context compaction performed',
      observation: { results: [{ content: 'Summary', subagent_trajectory_ref: [{ trajectory_id: 'compact-001', trajectory_path: 'compact.json' }] }] },
      extra: { context_management: { type: 'compaction', boundary: 'replace' } },
    });
    expect(errorsOf(d)).toEqual([]);
  });

  it('rejects steps: []', () => {
    const d = valid();
    d.steps = [];
    expect(errorsOf(d)).toContainEqual({ path: '/steps', message: 'must NOT have fewer than 1 items' });
  });

  it('rejects unknown keys at every level', () => {
    const cases: [(d: any) => void, string][] = [
      [(d) => (d.color = 1), '/color'],
      [(d) => (d.agent.team = 'x'), '/agent/team'],
      [(d) => (d.steps[1].mood = 'x'), '/steps/1/mood'],
      [(d) => (d.steps[2].tool_calls[0].timeout = 5), '/steps/2/tool_calls/0/timeout'],
      [(d) => (d.steps[2].observation.results[0].stdout = ''), '/steps/2/observation/results/0/stdout'],
      [(d) => (d.steps[2].observation.extra = {}), '/steps/2/observation/extra'],
      [(d) => (d.steps[2].metrics.reasoning_tokens = 1), '/steps/2/metrics/reasoning_tokens'],
      [(d) => (d.final_metrics.total_calls = 1), '/final_metrics/total_calls'],
      [(d) => (d.steps[2].observation.results[0].subagent_trajectory_ref[0].path = 'x'), '/steps/2/observation/results/0/subagent_trajectory_ref/0/path'],
      [(d) => (d.subagent_trajectories[0].steps[0].x = 1), '/subagent_trajectories/0/steps/0/x'],
    ];
    for (const [mutate, path] of cases) {
      const d = valid();
      mutate(d);
      expect(errorsOf(d).map((e) => e.path), path).toContain(path);
    }
  });

  it('rejects agent-only fields on user and system steps', () => {
    for (const field of ['tool_calls', 'model_name', 'reasoning_content', 'metrics', 'reasoning_effort']) {
      const d = valid();
      const value = field === 'tool_calls' ? [{ tool_call_id: 'u', function_name: 'f', arguments: {} }] : field === 'metrics' ? {} : 'x';
      d.steps[1][field] = value;
      d.steps[0][field] = value;
      const errs = errorsOf(d);
      expect(errs).toContainEqual({ path: `/steps/1/${field}`, message: `"${field}" is only allowed on agent steps (source "agent")` });
      expect(errs.map((e) => e.path)).toContain(`/steps/0/${field}`);
    }
  });

  it('says why llm_call_count 0 forbids metrics', () => {
    const d = valid();
    d.steps[2].llm_call_count = 0;
    expect(errorsOf(d)).toContainEqual({ path: '/steps/2/metrics', message: '"metrics" is not allowed on an agent step with llm_call_count 0 (no LLM inference)' });
  });

  it('rejects a source_call_id that names no tool call of the same step', () => {
    const d = valid();
    d.steps[2].observation.results[0].source_call_id = 'c9';
    expect(errorsOf(d)).toEqual([{ path: '/steps/2/observation/results/0/source_call_id', message: 'source_call_id "c9" names no tool call of this step' }]);
    // A tool call of another step does not count either.
    const e = valid();
    e.steps.push({ step_id: 4, source: 'agent', message: 'x', observation: { results: [{ source_call_id: 'c1', content: 'dup' }] } });
    expect(errorsOf(e).map((x) => x.path)).toEqual(['/steps/3/observation/results/0/source_call_id']);
  });

  it('rejects non-sequential step ids (also inside embedded trajectories)', () => {
    const d = valid();
    d.steps[2].step_id = 4;
    expect(errorsOf(d)).toEqual([{ path: '/steps/2/step_id', message: 'step_id must be 3 (sequential from 1), found 4' }]);
    const e = valid();
    e.steps[0].step_id = 0;
    expect(errorsOf(e).map((x) => x.path)).toContain('/steps/0/step_id');
    const f = valid();
    f.subagent_trajectories[0].steps[0].step_id = 2;
    expect(errorsOf(f).map((x) => x.path)).toEqual(['/subagent_trajectories/0/steps/0/step_id']);
  });

  it('rejects subagent refs that do not resolve, embedded trajectories without or with duplicate trajectory_id', () => {
    const d = valid();
    d.steps[2].observation.results[0].subagent_trajectory_ref[0].trajectory_id = 'nope';
    expect(errorsOf(d).map((x) => x.path)).toEqual(['/steps/2/observation/results/0/subagent_trajectory_ref/0/trajectory_id']);
    const e = valid();
    e.steps[2].observation.results[0].subagent_trajectory_ref[0] = { session_id: 'child' };
    expect(errorsOf(e)).toContainEqual({ path: '/steps/2/observation/results/0/subagent_trajectory_ref/0', message: "must have required property 'trajectory_id', or must have required property 'trajectory_path'" });
    const f = valid();
    delete f.subagent_trajectories[0].trajectory_id;
    expect(errorsOf(f).map((x) => x.path)).toContain('/subagent_trajectories/0');
    const g = valid();
    g.subagent_trajectories.push(structuredClone(g.subagent_trajectories[0]));
    expect(errorsOf(g).map((x) => x.path)).toEqual(['/subagent_trajectories/1/trajectory_id']);
  });

  it('rejects other shape errors: missing message, bad source, non-object arguments, bad timestamp, duplicate tool_call_id, llm_call_count 0 with metrics', () => {
    const cases: [(d: any) => void, string][] = [
      [(d) => delete d.steps[1].message, '/steps/1'],
      [(d) => (d.steps[1].source = 'tool'), '/steps/1/source'],
      [(d) => (d.steps[2].tool_calls[0].arguments = '{"a":1}'), '/steps/2/tool_calls/0/arguments'],
      [(d) => (d.steps[1].timestamp = 'yesterday'), '/steps/1/timestamp'],
      [(d) => d.steps[2].tool_calls.push({ tool_call_id: 'c1', function_name: 'x', arguments: {} }), '/steps/2/tool_calls/1/tool_call_id'],
      [(d) => (d.steps[2].llm_call_count = 0), '/steps/2/metrics'],
      [(d) => (d.schema_version = 'ATIF-v2.0'), '/schema_version'],
      [(d) => (d.steps[2].metrics.prompt_tokens = -1), '/steps/2/metrics/prompt_tokens'],
      [(d) => delete d.agent.version, '/agent'],
      [(d) => (d.steps[1].message = [{ type: 'text', text: 'a', source: { media_type: 'image/png', path: 'x.png' } }]), '/steps/1/message/0/source'],
      [(d) => (d.steps[1].message = [{ type: 'image', source: { media_type: 'image/bmp', path: 'x.bmp' } }]), '/steps/1/message/0/source/media_type'],
    ];
    for (const [mutate, path] of cases) {
      const d = valid();
      mutate(d);
      expect(errorsOf(d).map((e) => e.path), path).toContain(path);
    }
  });
});
