// A subagent's session span hangs under the parent's sessions_spawn tool span even when the
// child ends while the parent's run is still open (so not yet delivered with its tools).

import { describe, expect, it } from 'vitest';
import { SpanIds, parentSpanIdOfSession } from '../../../../src/outputs/otlp/span-plan.ts';
import type { Session } from '../../../../src/trace/model.ts';
import { readRecording, replay } from '../../../support/replay.ts';

const fixture = (name: string) => readRecording(new URL(`../../../../fixtures/${name}`, import.meta.url).pathname);

describe('subagent session parent span', () => {
  it('is the spawning tool span, decided at the child\'s sessionEnded', () => {
    const ids = new SpanIds();
    const records = fixture('gateway-subagent.jsonl');
    const { sessions, runs } = replay(records, {}, {});
    // Recompute as the sink saw it: replay again with a sink that plans at delivery time.
    const seen: { child: Session; parent: string | undefined }[] = [];
    replay(records, {}, {
      onSessionEnded: (s: Session) => {
        if (s.parentSession) {
          seen.push({ child: s, parent: parentSpanIdOfSession(s, ids) });
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
});
