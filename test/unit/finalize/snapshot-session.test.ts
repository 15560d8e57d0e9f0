// snapshotSession: the whole tree, deeply frozen and linked, sharing the runs (already frozen)
// and, from the second snapshot on, the tool lists; later changes to the engine's objects
// never reach a snapshot taken before them.

import { describe, expect, it } from 'vitest';
import { isDeepFrozen, snapshotRun, snapshotSession } from '../../../src/finalize/snapshot.ts';
import type { Run, Session } from '../../../src/trace/model.ts';

function session(key: string, parent?: Session): Session {
  const s: Session = {
    kind: 'session',
    traceId: 't'.repeat(32),
    spanId: `span-${key}`,
    sessionKey: key,
    openedBy: 'session_start',
    segment: 1,
    children: [],
    runs: [],
    tools: [{ name: 'read', description: 'reads', parameters: { type: 'object' } }],
    marks: [],
    closed: false,
  };
  if (parent) {
    s.parent = { sessionKey: parent.sessionKey };
    s.parentSession = parent;
    parent.children.push(s);
  }
  return s;
}

const run = (id: string): Run => snapshotRun({ kind: 'run', runId: id, spanId: `span-${id}`, llmCalls: [], marks: [] } as unknown as Run);

describe('snapshotSession', () => {
  it('copies the tree, deeply frozen and linked, and shares the frozen runs', () => {
    const root = session('root');
    const child = session('child', root);
    root.runs.push(run('r1'));
    child.runs.push(run('c1'));
    const snap = snapshotSession(child);
    expect(isDeepFrozen(snap)).toBe(true);
    expect(snap).not.toBe(child);
    expect(snap.parentSession).not.toBe(root);
    expect(snap.parentSession!.children[0]).toBe(snap);
    expect(snap.runs[0]).toBe(child.runs[0]);
    expect(snap.parentSession!.runs[0]).toBe(root.runs[0]);
    expect(snap).toEqual(child);
  });

  it('never changes when the engine goes on', () => {
    const root = session('root');
    const snap = snapshotSession(root);
    const before = structuredClone(snap);
    root.runs.push(run('r2'));
    root.marks.push({ name: 'x' } as never);
    root.closed = true;
    session('late-child', root);
    (root.tools[0]!.parameters as Record<string, unknown>).changed = true;
    expect(snap).toEqual(before);
    expect(() => (snap.runs as Run[]).push(run('r3'))).toThrow();
  });

  it('copies a tool list once and shares it in later snapshots', () => {
    const root = session('root');
    const a = snapshotSession(root);
    const b = snapshotSession(root);
    expect(a).not.toBe(b);
    expect(b.tools).toBe(a.tools);
    root.tools = [{ name: 'write' }];
    expect(snapshotSession(root).tools).not.toBe(a.tools);
  });
});

describe('snapshotRun', () => {
  it('copies and freezes what a symbol member holds too (a spread copy takes it along)', () => {
    const tag = Symbol('tag');
    const held = { note: 'mutable' };
    const snap = snapshotRun({ kind: 'run', runId: 'sym', llmCalls: [], marks: [], [tag]: held } as unknown as Run) as unknown as Record<symbol, { note: string }>;
    expect(snap[tag]).not.toBe(held);
    expect(Object.isFrozen(snap[tag])).toBe(true);
    held.note = 'changed';
    expect(snap[tag]!.note).toBe('mutable');
  });
});
