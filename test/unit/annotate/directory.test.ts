// The directory knows a session by its span id: sessionEnded gets a frozen snapshot (another
// object than the live record runEnded saw), and that must close the same entry, not start one.

import { describe, expect, it } from 'vitest';
import { SessionDirectory } from '../../../src/annotate/directory.ts';
import { snapshotRun, snapshotSession } from '../../../src/finalize/snapshot.ts';
import type { Run, Session } from '../../../src/trace/model.ts';

function live(key: string): Session {
  return {
    kind: 'session',
    traceId: 'a'.repeat(32),
    spanId: 'b'.repeat(16),
    sessionKey: key,
    sessionId: `id-${key}`,
    openedBy: 'session_start',
    segment: 1,
    children: [],
    runs: [],
    tools: [],
    marks: [],
    closed: false,
  } as Session;
}

const run = (id: string): Run => snapshotRun({ kind: 'run', runId: id, spanId: 'c'.repeat(16), llmCalls: [], marks: [] } as unknown as Run);

describe('SessionDirectory with session snapshots', () => {
  it('closes the live entry when the end arrives as a snapshot, keeping its runs', () => {
    const dir = new SessionDirectory();
    const s = live('agent:main:main');
    const r = run('r1');
    s.runs.push(r);
    dir.runEnded(s, r);
    const open = dir.resolve({ sessionKey: s.sessionKey, runId: 'r1' }, 1);
    expect(typeof open === 'object' && open.session).toBe(s);

    s.closed = true;
    const snap = snapshotSession(s);
    expect(snap).not.toBe(s);
    dir.sessionEnded(snap);
    const closed = dir.resolve({ sessionId: s.sessionId, runId: 'r1' }, 2);
    expect(closed).toMatchObject({ sessionSpanId: s.spanId, runId: 'r1', runSpanId: r.spanId, traceId: s.traceId });
    // The engine's record is let go at the end: no content kept for a closed session.
    expect(typeof closed === 'object' && closed.session).toBeUndefined();
  });
});
