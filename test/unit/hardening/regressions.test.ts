// One deterministic test per defect the hardening fuzzers found, so each stays fixed even if
// the random streams stop reaching it. Each goes through the registered handlers.

import { join } from 'node:path';
import { afterEach, describe, expect, it, afterAll } from 'vitest';
import { resetSharedRuntime } from '../../../src/runtime/global.ts';
import { fire } from '../../support/fake-host.ts';
import { agentSteps, eventually, inspectAtifDir, pluginConfig, scratch, setupPlugin, status, stopGateway, turn, removeScratch } from './helpers.ts';

afterAll(removeScratch);

afterEach(() => resetSharedRuntime());

describe('defects found by the hardening fuzzers', () => {
  it('an error value that cannot be turned into a string is counted as malformed, not an internal error (parse.ts)', async () => {
    const p = setupPlugin(pluginConfig(undefined));
    const error = Object.create(null) as object; // String(error) throws
    expect(fire(p.discovery, 'after_tool_call', { toolName: 'x', toolCallId: 'c1', runId: 'r1', error }, { sessionKey: 'k' })).toEqual([undefined]);
    expect(fire(p.discovery, 'agent_end', { runId: 'r1', error: Object.create(null) }, { sessionKey: 'k' })).toEqual([undefined]);
    const s = await status(p);
    expect(s.counters.malformedEvents).toEqual({ after_tool_call: 1, agent_end: 1 });
    expect(s.counters.internalErrors).toBe(0);
  });

  it('a tool result that neither JSON nor String() can print is not an internal error (messages.ts resultText)', async () => {
    const p = setupPlugin(pluginConfig(undefined));
    const ctx = { sessionKey: 'k', agentId: 'main' };
    fire(p.discovery, 'before_tool_call', { runId: 'r1', toolName: 'db', toolCallId: 'c1' }, ctx);
    const content = Object.assign(Object.create(null) as object, { rows: 10n }); // BigInt: no JSON; null prototype: no String()
    fire(p.discovery, 'before_message_write', { message: { role: 'toolResult', toolCallId: 'c1', isError: true, content } }, ctx);
    const s = await status(p);
    expect(s.counters.internalErrors, JSON.stringify(s.lastInternalError)).toBe(0);
  });

  it('reading a hostile subagent_ended payload cannot throw out of the Dynamo handler (runtime/dynamo-wiring.ts)', () => {
    const p = setupPlugin(pluginConfig(undefined));
    const event = Object.defineProperty({}, 'targetSessionKey', {
      get() {
        throw new Error('hostile');
      },
    });
    expect(() => fire(p.full, 'subagent_ended', event, {})).not.toThrow();
  });

  it('two sessions with the same session id that end together get two files (naming.ts: claim re-checked after the disk look-up)', async () => {
    const out = join(scratch('nr-reg-'), 'out');
    const p = setupPlugin(pluginConfig(out));
    for (let i = 0; i < 6; i++) turn(p, `agent:main:twin-${i}`, `run-${i}`, { sessionId: 'same-session-id', text: `answer ${i}` });
    await stopGateway(p); // closes all six at once: six concurrent final writes
    const report = inspectAtifDir(out);
    expect(report.problems).toEqual([]);
    expect(report.files).toHaveLength(6);
    const keys = [...report.docs.values()].map((d) => d.extra.openclaw.session_key).sort();
    expect(keys).toEqual(Array.from({ length: 6 }, (_, i) => `agent:main:twin-${i}`));
    for (const doc of report.docs.values()) expect(agentSteps(doc)).toHaveLength(1);
  });

  it('a parent with no steps of its own still writes its subagents (document.ts)', async () => {
    const out = join(scratch('nr-reg-'), 'out');
    const p = setupPlugin(pluginConfig(out));
    // The requester opened (session_start) but never ran anything itself in this segment.
    fire(p.full, 'session_start', { sessionKey: 'agent:main:parent', sessionId: 'parent-id' }, { sessionKey: 'agent:main:parent' });
    fire(p.full, 'subagent_delivery_target', { childSessionKey: 'agent:main:subagent:c1', requesterSessionKey: 'agent:main:parent', childRunId: 'c-run' }, {});
    turn(p, 'agent:main:subagent:c1', 'c-run', { text: 'child answer' });
    await stopGateway(p);
    const report = inspectAtifDir(out);
    expect(report.problems).toEqual([]);
    expect(report.files).toHaveLength(1);
    const doc = [...report.docs.values()][0]!;
    expect(doc.extra.openclaw.session_key).toBe('agent:main:parent');
    expect(doc.steps).toHaveLength(1);
    expect(doc.steps[0].source).toBe('system');
    expect(doc.subagent_trajectories).toHaveLength(1);
    expect(agentSteps(doc)).toHaveLength(1);
  });

  it('a run finished with a leftover assistant message does not stay in the grace set (correlate/deadlines.ts scheduleFinalize)', async () => {
    const p = setupPlugin(pluginConfig(undefined));
    const ctx = { sessionKey: 'k', agentId: 'main' };
    fire(p.discovery, 'before_agent_run', { runId: 'r1', sessionKey: 'k' }, ctx);
    // An assistant message before any model_call hook: it waits for a call that never comes.
    fire(p.discovery, 'before_message_write', { message: { role: 'assistant', content: 'done', stopReason: 'stop' } }, ctx);
    fire(p.full, 'session_end', { sessionKey: 'k', reason: 'idle' }, ctx);
    expect(p.runtime.engine.openRuns).toBe(0);
    expect(p.runtime.engine.sizes().finalizing).toBe(0);
  });

  it('open runs per session are capped by maxRecordsPerKey; the evicted runs are still exported (correlate/runs.ts openRun)', async () => {
    const out = join(scratch('nr-reg-'), 'out');
    const p = setupPlugin(pluginConfig(out, { correlation: { maxRecordsPerKey: 4 } }));
    const ctx = { sessionKey: 'agent:main:many', agentId: 'main' };
    for (let i = 0; i < 10; i++) {
      // Runs whose end never comes.
      fire(p.discovery, 'model_call_started', { runId: `r${i}`, callId: `r${i}:model:1`, sessionKey: ctx.sessionKey }, ctx);
      expect(p.runtime.engine.openRuns).toBeLessThanOrEqual(4);
    }
    const s = await status(p);
    expect(s.counters.recordsDropped).toBe(6);
    await stopGateway(p);
    const docs = [...inspectAtifDir(out).docs.values()];
    expect(docs).toHaveLength(1);
    expect(agentSteps(docs[0]!)).toHaveLength(10);
    expect(JSON.stringify(docs[0])).toContain('run.evicted');
  });

  it('times of year > 9999 or < 0 from a payload are left out, never written as invalid ATIF timestamps (values.ts isoTime)', async () => {
    const out = join(scratch('nr-reg-'), 'out');
    const p = setupPlugin(pluginConfig(out));
    const ctx = { sessionKey: 'agent:main:time', agentId: 'main' };
    turn(p, ctx.sessionKey, 'r0');
    // A tool end without a start: start = arrival - durationMs, 30,000 years ago.
    fire(p.discovery, 'before_agent_run', { runId: 'r1', sessionKey: ctx.sessionKey }, ctx);
    fire(p.discovery, 'after_tool_call', { runId: 'r1', toolName: 'probe_echo', toolCallId: 'c1', durationMs: 1e15, result: 'ok' }, ctx);
    fire(p.discovery, 'model_call_ended', { runId: 'r1', callId: 'r1:model:1', durationMs: -1e15, outcome: 'completed' }, ctx);
    await stopGateway(p);
    const report = inspectAtifDir(out);
    expect(report.files).toHaveLength(1);
    expect(report.problems).toEqual([]);
  });

  it('idle runs expire by recordTtlMs even when no run ever reached its grace window (correlate/deadlines.ts nextDeadline)', async () => {
    const out = join(scratch('nr-reg-'), 'out');
    const p = setupPlugin(pluginConfig(out, { correlation: { recordTtlMs: 100, sessionIdleMs: 1000, llmOutputGraceMs: 10 } }));
    // Only the start of a model call: no agent_end, no final answer, so nothing schedules a finalize.
    fire(p.discovery, 'model_call_started', { callId: 'r1:model:1', runId: 'r1', sessionKey: 'agent:main:ttl' }, { sessionKey: 'agent:main:ttl' });
    expect(p.runtime.engine.openRuns).toBe(1);
    // No test clock, no manual tick: the runtime's own timer must do it (6 x TTL for a call in flight).
    await eventually(() => p.runtime.engine.openSessions === 0, 5000, 'the run and session to expire');
    const s = await status(p);
    expect(s.counters.recordsExpired).toBe(1);
    await eventually(() => inspectAtifDir(out).files.length === 1, 2000, `the expired run in ATIF: ${JSON.stringify(p.runtime.sinkHealth())} ${JSON.stringify(s.counters)}`);
    expect(inspectAtifDir(out).problems).toEqual([]);
  });
});
