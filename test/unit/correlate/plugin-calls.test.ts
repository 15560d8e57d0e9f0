// LLM calls made by other plugins (api.runtime.llm): only a model.usage diagnostic event tells.
// One sharing a hook-observed run's OpenClaw trace is that run's own total and is skipped; any
// other becomes an LLM span / ATIF step flagged plugin-originated, counted.

import { afterEach, describe, expect, it } from 'vitest';
import { readRecording, replay, type RecordedHook } from '../../support/replay.ts';
import { DIAGNOSTIC_MODEL_USAGE } from '../../../src/ingest/hook-names.ts';
import { resetDiagnosticsSubscription, subscribeDiagnostics } from '../../../src/ingest/diagnostics.ts';
import { buildTrajectory } from '../../../src/outputs/atif/trajectory.ts';

const fixture = () => readRecording(new URL('../../../fixtures/gateway-tool-call.jsonl', import.meta.url).pathname);
const META = { agentName: 'openclaw', openclawVersion: '2026.9.6', pluginVersion: '0.1.0' };

function usageEvent(at: number, over: Record<string, unknown>): RecordedHook {
  return {
    ts: at,
    hook: DIAGNOSTIC_MODEL_USAGE,
    event: { type: 'model.usage', provider: 'scripted', model: 'scripted-1', usage: { input: 7, output: 3, cacheRead: 0, cacheWrite: 0, promptTokens: 7, total: 10 }, costUsd: 0.001, durationMs: 40, ...over },
    ctx: {},
  };
}

afterEach(() => resetDiagnosticsSubscription());

describe('plugin-originated LLM calls', () => {
  it('an unmatched model.usage becomes a flagged LLM call in its session; the run\'s own is skipped', () => {
    const records = fixture();
    const runTrace = (records.find((r) => r.hook === 'llm_input')!.ctx as { trace: { traceId: string } }).trace.traceId;
    const key = (records.find((r) => r.hook === 'session_start')!.event as { sessionKey: string }).sessionKey;
    const i = records.findIndex((r) => r.hook === 'agent_end');
    const at = records[i]!.ts;
    records.splice(i, 0,
      usageEvent(at, { sessionKey: key, trace: { traceId: runTrace, spanId: '1111111111111111' } }),
      usageEvent(at, { sessionKey: key, trace: { traceId: 'f'.repeat(32), spanId: '2222222222222222' } }),
      usageEvent(at, { trace: { traceId: 'e'.repeat(32) } }),
    );
    const { runs, sessions, engine } = replay(records);
    expect(engine.counters.usageOfObservedRuns).toBe(1);
    expect(engine.counters.pluginLlmCalls).toBe(2);
    expect(engine.counters.pluginLlmCallsUnattributed).toBe(1);
    // The one naming no session is grouped per agent, still exported.
    expect(runs.find((r) => r.session.sessionKey === 'plugin-llm:unknown-agent')?.run.llmCalls[0]?.pluginOriginated).toBe(true);
    const plugin = runs.find((r) => r.run.trigger === 'plugin' && r.session.sessionKey === key)!.run;
    const call = plugin.llmCalls[0]!;
    expect(call.pluginOriginated).toBe(true);
    expect(call.usage).toMatchObject({ input: 7, output: 3, total: 10, cost: { total: 0.001 } });
    expect(call.endTime! - call.startTime!).toBe(40);
    expect(call.marks.map((m) => m.name)).toEqual(['llm.plugin_originated']);
    // The agent's own runs are untouched: still two, all their calls hook-observed.
    expect(runs.filter((r) => r.run.trigger !== 'plugin').flatMap((r) => r.run.llmCalls).every((c) => !c.pluginOriginated)).toBe(true);
    const doc = buildTrajectory(sessions.find((x) => x.sessionKey === key)!, META)!;
    const step = doc.steps.find((s) => (s.extra as any)?.plugin_originated === true);
    expect(step?.source).toBe('agent');
  });

  it('subscribes once per process and passes only model.usage on', async () => {
    let listener: ((evt: unknown) => void) | undefined;
    const seen: string[] = [];
    const load = async () => ({ onInternalDiagnosticEvent: (l: (evt: unknown) => void) => void (listener = l) });
    const sub = subscribeDiagnostics((hook) => seen.push(hook), load);
    expect(subscribeDiagnostics(() => undefined, load)).toBe(sub);
    await new Promise((r) => setTimeout(r, 0));
    expect(sub.state).toBe('subscribed');
    listener!({ type: 'model.call.started' });
    listener!({ type: 'model.usage' });
    expect(seen).toEqual([DIAGNOSTIC_MODEL_USAGE]);
    expect(sub.usageEvents).toBe(1);
  });

  it('a runtime without the diagnostic API is reported, not thrown', async () => {
    const sub = subscribeDiagnostics(() => undefined, async () => ({}));
    await new Promise((r) => setTimeout(r, 0));
    expect(sub.state).toBe('unavailable');
    expect(sub.reason).toContain('onInternalDiagnosticEvent');
  });
});
