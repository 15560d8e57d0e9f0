// Cheap, structure-sharing copies of recorded hook payloads with fresh ids and shifted times.
//
// Why not scripts/lib/streams.ts `retag` for every copy: it round-trips each record through
// JSON, so 6,000 copies of a turn whose llm_input is 255 kB would put ~2 GB of duplicate
// tool schemas on the heap. That distorts exactly what the benchmark measures (GC work,
// RSS, retained heap). Here a payload is compiled once into a copier that rebuilds only the
// paths holding an id or a timestamp and shares every other subtree with the recording.
// The output is byte-for-byte what `retag` produces (checked at start-up, see workload.ts).
//
// Top-level event and ctx objects are always fresh: OpenClaw hands every handler call its
// own objects, and the plugin dedupes deliveries by event identity.

export interface CopyContext {
  /** Appended (as `~tag`) to session-level ids: sessionKey, sessionId. */
  sessionTag: string;
  /** Appended to every other id: run, call and tool-call ids. */
  runTag: string;
  /** Added to every epoch-millisecond number inside the payload. */
  shiftMs: number;
  /**
   * Strings already rebuilt for this session / run. The same system prompt arrives in
   * before_agent_run and llm_input of every run of a session; rebuilding it once per
   * session keeps one copy per session on the heap, as a real gateway would.
   */
  sessionStrings: Map<string, string>;
  runStrings: Map<string, string>;
}

export type Copier = (ctx: CopyContext) => unknown;

export interface IdClasses {
  /** Every id, longest first (collectIds order), for one alternation pattern. */
  pattern: RegExp;
  sessionIds: ReadonlySet<string>;
}

export interface TimeRange {
  min: number;
  max: number;
}

export function idClasses(ids: string[], sessionIds: Iterable<string>): IdClasses {
  const escaped = ids.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return { pattern: new RegExp(escaped.join('|'), 'g'), sessionIds: new Set(sessionIds) };
}

/** A copier for a top-level payload (always a fresh object), or identity for non-objects. */
export function compileTop(value: unknown, ids: IdClasses, times: TimeRange): Copier {
  if (typeof value !== 'object' || value === null) {
    const inner = compile(value, ids, times);
    return inner ?? (() => value);
  }
  const inner = compile(value, ids, times);
  if (inner) return inner;
  if (Array.isArray(value)) return () => value.slice();
  return () => ({ ...(value as Record<string, unknown>) });
}

/** undefined means "nothing to change below here: share the original". */
function compile(value: unknown, ids: IdClasses, times: TimeRange): Copier | undefined {
  if (typeof value === 'string') return compileString(value, ids);
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= times.min && value <= times.max) return (c) => value + c.shiftMs;
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    const parts = value.map((v) => compile(v, ids, times));
    if (parts.every((p) => p === undefined)) return undefined;
    return (c) => {
      const out = new Array<unknown>(value.length);
      for (let i = 0; i < value.length; i++) {
        const p = parts[i];
        out[i] = p ? p(c) : value[i];
      }
      return out;
    };
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  for (const k of keys) {
    ids.pattern.lastIndex = 0;
    if (ids.pattern.test(k)) throw new Error(`bench copy: an id inside an object key (${k}) is not supported`);
  }
  const parts = keys.map((k) => compile(obj[k], ids, times));
  if (parts.every((p) => p === undefined)) return undefined;
  return (c) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const p = parts[i];
      out[k] = p ? p(c) : obj[k];
    }
    return out;
  };
}

function compileString(s: string, ids: IdClasses): Copier | undefined {
  // Literal pieces and ids, alternating: lit0 id0 lit1 id1 ... litN.
  const lits: string[] = [];
  const found: { session: boolean }[] = [];
  let last = 0;
  ids.pattern.lastIndex = 0;
  for (let m = ids.pattern.exec(s); m; m = ids.pattern.exec(s)) {
    lits.push(s.slice(last, m.index + m[0].length));
    found.push({ session: ids.sessionIds.has(m[0]) });
    last = m.index + m[0].length;
  }
  if (found.length === 0) return undefined;
  lits.push(s.slice(last));
  const runLevel = found.some((f) => !f.session);
  return (c) => {
    const cache = runLevel ? c.runStrings : c.sessionStrings;
    const hit = cache.get(s);
    if (hit !== undefined) return hit;
    const pieces: string[] = [];
    for (let i = 0; i < found.length; i++) pieces.push(lits[i]!, '~', found[i]!.session ? c.sessionTag : c.runTag);
    pieces.push(lits[lits.length - 1]!);
    // join() builds one flat string; `+` would leave a rope that the plugin's first read
    // would have to flatten inside a timed handler call.
    const out = pieces.join('');
    cache.set(s, out);
    return out;
  };
}
