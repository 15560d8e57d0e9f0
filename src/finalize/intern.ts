// Sessions of one agent carry the same tool list (~200 kB of schemas) and the same system
// prompt (~40 kB), each parsed anew from its own hook payload. Sessions held open (e.g. by
// /v1/chat/completions, which never ends them) would keep one copy each; equal values share
// one instance instead. On the lane (finalize), never on the hook path: a tool list is
// compared by its JSON, once per list object.

import type { Session } from '../trace/model.ts';
import { lruGet, lruInsert } from '../util/lru.ts';

const SHARED = 64;
// System prompts: OpenClaw writes the session's ids into its prompt, so most never repeat and
// each one kept here is tens of kB held for nothing: a few suffice for the agents that do share one.
const SHARED_TEXTS = 8;
const texts = new Map<string, string>();
const toolLists = new Map<string, Session['tools']>();
const seenLists = new WeakMap<object, Session['tools']>();

/** One instance of each recent long text (system prompts). */
export function internText<T extends string | undefined>(s: T): T {
  if (s === undefined || s.length < 1024) return s;
  const hit = lruGet(texts, s);
  if (hit !== undefined) return hit as T;
  lruInsert(texts, s, s, SHARED_TEXTS);
  return s;
}

/** The session's tool list replaced by an equal one already held by another session. */
export function internTools(session: Session): void {
  const list = session.tools;
  if (!Array.isArray(list) || list.length === 0) return;
  const known = seenLists.get(list);
  if (known) {
    session.tools = known;
    return;
  }
  let key: string;
  try {
    key = JSON.stringify(list);
  } catch {
    return; // not JSON (a cycle): keep it as it is
  }
  const shared = lruGet(toolLists, key) ?? list;
  if (shared === list) lruInsert(toolLists, key, list, SHARED);
  seenLists.set(list, shared);
  session.tools = shared;
}
