// A subagent's session span hangs under the parent's sessions_spawn tool span even when the
// child ends while the parent's run is still open (so not yet delivered with its tools).

import { describe, expect, it } from 'vitest';
import { SpanIds } from '../../../../src/outputs/otlp/span-plan.ts';
import { parentSpanIdOfSession, spawnerOfSession } from '../../../../src/outputs/otlp/session-plan.ts';
import type { Session } from '../../../../src/trace/model.ts';
import { readRecording, replay } from '../../../support/replay.ts';

const fixture = (name: string) => readRecording(new URL(`../../../../fixtures/${name}`, import.meta.url).pathname);

describe('subagent session parent span', () => {
  // Per-run trace mode (the recorded runs carry OpenClaw's trace context): the spawning tool
  // lives in its run's own trace, so the child's session span names it as its spawner (a link).
  it('is the spawning tool span, decided at the child\'s sessionEnded', () => {
    const ids = new SpanIds();
    const records = fixture('gateway-subagent.jsonl');
    const { sessions, runs } = replay(records, {}, {});
    // Recompute as the sink saw it: replay again with a sink that plans at delivery time.
    const seen: { child: Session; parent: string | undefined }[] = [];
    replay(records, {}, {
      onSessionEnded: (s: Session) => {
        if (s.parentSession) {
          seen.push({ child: s, parent: spawnerOfSession(s, ids)?.spanId });
        }
      },
    });
    expect(sessions.some((s) => s.parentSession)).toBe(true);
    expect(seen.length).toBeGreaterThan(0);
    const spawnTools = runs.flatMap((r) => r.run.llmCalls.flatMap((c) => c.tools)).filter((t) => t.name === 'sessions_spawn');
    expect(spawnTools.length).toBeGreaterThan(0);
    for (const s of seen) {
      const tool = spawnTools.find((t) => t.childSessionKey === s.child.sessionKey || t.toolCallId === s.child.parent?.toolCallId);
      expect(tool, s.child.sessionKey).toBeDefined();
      expect(s.parent).toBe(tool!.spanId);
    }
  });

  it('is the spawning tool span when the child ends while the parent\'s run is still open', () => {
    const parentKey = 'agent:main:main';
    const childKey = 'agent:main:subagent:0123abcd-0000';
    const p = { sessionKey: parentKey };
    const c = { sessionKey: childKey };
    const steps: [string, unknown, unknown][] = [
      ['before_agent_run', { runId: 'p1', sessionKey: parentKey }, p],
      ['before_tool_call', { runId: 'p1', toolName: 'sessions_spawn', toolCallId: 't1' }, p],
      ['subagent_spawned', { childSessionKey: childKey, runId: 'c1' }, { requesterSessionKey: parentKey }],
      ['before_agent_run', { runId: 'c1', sessionKey: childKey }, c],
      ['agent_end', { runId: 'c1', success: true }, c],
      ['subagent_ended', { targetSessionKey: childKey, outcome: 'ok' }, {}],
      ['after_tool_call', { runId: 'p1', toolName: 'sessions_spawn', toolCallId: 't1', result: 'ok' }, p],
      ['agent_end', { runId: 'p1', success: true }, p],
    ];
    const records = steps.map(([hook, event, ctx], i) => ({ ts: 1_000 + i * 10, hook, event, ctx }));
    const ids = new SpanIds();
    const seen: { child: Session; parent: string | undefined; parentRunOpen: boolean }[] = [];
    const { runs } = replay(records, {}, {
      onSessionEnded: (s: Session) => {
        if (s.parentSession) seen.push({ child: s, parent: parentSpanIdOfSession(s, ids), parentRunOpen: !s.parentSession.runs.some((r) => r.runId === 'p1') });
      },
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.parentRunOpen).toBe(true);
    const spawn = runs.find((r) => r.run.runId === 'p1')!.run.orphanTools.concat(runs.find((r) => r.run.runId === 'p1')!.run.llmCalls.flatMap((x) => x.tools)).find((t) => t.toolCallId === 't1');
    expect(spawn).toBeDefined();
    expect(seen[0]!.parent).toBe(spawn!.spanId);
  });
});
