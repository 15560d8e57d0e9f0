// What the outputs receive: a fresh, deeply frozen copy of a finished run. The engine keeps
// its working objects to itself, so nothing an output holds can change after delivery, and
// nothing an output does can change the engine's state (a write throws in strict mode).
//
// Objects shared inside the run (each call's input repeats the conversation so far) are
// copied once and stay shared in the copy, so a run of n calls costs O(n) copies, not O(n^2).

import type { Run, RunAmendment, Session } from '../trace/model.ts';

export function snapshotRun(run: Run): Run {
  return deepFrozenCopy(run, new Map()) as Run;
}

/**
 * A fresh, deeply frozen copy of the whole session tree `session` belongs to (parent and
 * children are snapshots too, linked to each other), returned at `session`'s place in it.
 * The runs a session holds are already frozen snapshots: they are shared, not copied, and so
 * are tool lists already copied once, so this costs the tree's sessions and marks, not its
 * conversation. Built on the lane (the engine defers sessionEnded), never in a hook handler.
 */
// The engine replaces a session's tool list (runs.ts), never changes it in place, and every
// session of a tree repeats it at each snapshot: one frozen copy per list object, shared.
const frozenTools = new WeakMap<object, unknown>();

export function snapshotSession(session: Session): Session {
  const seen = new Map<object, unknown>();
  const visited = new Set<Session>();
  const stack: Session[] = [session];
  // Walk the tree (parents and children) once to mark every delivered run as shared.
  while (stack.length > 0 && visited.size < 100_000) {
    const s = stack.pop()!;
    if (visited.has(s)) continue;
    visited.add(s);
    for (const run of s.runs) if (Object.isFrozen(run)) seen.set(run, run);
    const tools = typeof s.tools === 'object' && s.tools !== null ? frozenTools.get(s.tools) : undefined;
    if (tools !== undefined) seen.set(s.tools, tools);
    if (s.parentSession) stack.push(s.parentSession);
    for (const c of s.children) stack.push(c);
  }
  const copy = deepFrozenCopy(session, seen) as Session;
  for (const s of visited) {
    const done = typeof s.tools === 'object' && s.tools !== null ? seen.get(s.tools) : undefined;
    if (done !== undefined && !frozenTools.has(s.tools)) frozenTools.set(s.tools, done);
  }
  return copy;
}

/** Freezes `value` and everything reachable from it, copying plain objects and arrays. */
export function deepFrozenCopy(value: unknown, seen: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const done = seen.get(value);
  if (done !== undefined) return done;
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    seen.set(value, out);
    for (let i = 0; i < value.length; i++) out[i] = deepFrozenCopy(value[i], seen);
    return Object.freeze(out);
  }
  // A spread copy has the source's shape (V8 clones its hidden class): a fast object. Members
  // added one by one made every object past a dozen members a dictionary, 1.6 kB of hash table
  // per LLM call where its fields take 0.2 kB, slower to read in every output besides.
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  seen.set(value, out);
  for (const key of Object.keys(out)) {
    const v = out[key];
    if (typeof v === 'object' && v !== null) out[key] = deepFrozenCopy(v, seen);
  }
  // The spread also takes enumerable symbol members: copied too, or they would be shared unfrozen.
  const bag = out as Record<symbol, unknown>;
  for (const sym of Object.getOwnPropertySymbols(out)) {
    const v = bag[sym];
    if (typeof v === 'object' && v !== null) bag[sym] = deepFrozenCopy(v, seen);
  }
  return Object.freeze(out);
}

export function isDeepFrozen(value: unknown, seen = new Set<object>()): boolean {
  if (typeof value !== 'object' || value === null || seen.has(value)) return true;
  seen.add(value);
  if (!Object.isFrozen(value)) return false;
  for (const v of Object.values(value)) if (!isDeepFrozen(v, seen)) return false;
  return true;
}

export type { Run, RunAmendment, Session };
