// Sessions of one agent carry the same tool list (~200 kB of schemas) and the same system
// prompt (~40 kB), each parsed anew from its own hook payload. Sessions held open (e.g. by
// /v1/chat/completions, which never ends them) would keep one copy each; equal values share
// one instance instead. On the lane (finalize), never on the hook path: a tool list is
// compared value by value with the lists of the same tool names, once per list object.

import type { Session } from '../trace/model.ts';
import { lruGet, lruInsert } from '../util/lru.ts';

const SHARED = 64;
// System prompts: OpenClaw writes the session's ids into its prompt, so most never repeat and
// each one kept here is tens of kB held for nothing: a few suffice for the agents that do share one.
const SHARED_TEXTS = 8;
const texts = new Map<string, string>();
/** Tool names -> recent lists with those names (most recent first). */
const toolLists = new Map<string, Session['tools'][]>();
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
  // Looked up by the tool names, then compared value by value: the JSON of a 230 kB list, made
  // for every run's new list only to be a map key, was 0.4 GB of garbage in a 2,000x3 drain.
  const key = list.map((t) => (t as { name?: unknown }).name).join('\u0000');
  const candidates = lruGet(toolLists, key);
  let shared: Session['tools'] | undefined;
  try {
    shared = candidates?.find((c) => sameJson(c, list, 0));
  } catch {
    return; // not JSON (too deep to compare): keep it as it is
  }
  if (!shared) {
    shared = list;
    if (!candidates) lruInsert(toolLists, key, [list], SHARED);
    else {
      candidates.unshift(list);
      if (candidates.length > LISTS_PER_NAMES) candidates.length = LISTS_PER_NAMES;
    }
  }
  seenLists.set(list, shared);
  session.tools = shared;
}

/** Lists with the same tool names but different schemas kept per name key. */
const LISTS_PER_NAMES = 4;

/** Equal as JSON would write them (members in order; undefined members skipped). */
function sameJson(a: unknown, b: unknown, depth: number): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (depth > 64) throw new RangeError('too deep to compare');
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i], depth + 1)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra);
  const kb = Object.keys(rb);
  // The defined members of each, side by side (no filtered copies: this walks a 230 kB tool
  // list per run, and the copies were most of what interning allocated).
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < ka.length && ra[ka[i]!] === undefined) i++;
    while (j < kb.length && rb[kb[j]!] === undefined) j++;
    if (i === ka.length || j === kb.length) return i === ka.length && j === kb.length;
    const k = ka[i++]!;
    if (k !== kb[j++] || !sameJson(ra[k], rb[k], depth + 1)) return false;
  }
}
