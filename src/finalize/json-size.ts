// The UTF-8 length of JSON.stringify(value), without the string. Proving a rebuilt request
// (provider-request.ts) needs only its length, and each call's body repeats the run's 40 kB
// system prompt and the session's ~230 kB of tool schemas: stringifying it whole cost 20 s
// of a 2,000x3 bench's drain and ~3.6 GB of large strings waiting for a full GC. Here strings
// are counted, not written; a long one is counted once per memo (a run), and a subtree built
// once and shared (the tool list a session's bodies share) once, when it is built.
//
// Exactly JSON.stringify's output: keys in own-enumerable order, undefined / function /
// symbol members skipped (null in arrays), non-finite numbers as null, lone surrogates
// escaped. Anything that is not a plain object, array or primitive (toJSON, Date, Map,
// BigInt, a cycle deeper than MAX_DEPTH) is handed to JSON.stringify itself, so it throws
// where JSON.stringify throws.

/** Strings at least this long are measured once per memo. */
const MEMO_FROM = 256;
/** Deeper than this, JSON.stringify takes over (it reports cycles). */
const MAX_DEPTH = 64;

/** Sizes of shared subtrees that never change once built, for as long as they live. */
const knownSizes = new WeakMap<object, number>();

/** Freezes `value` (a shallow freeze: the caller never changes what it holds) and keeps its size. */
export function sizedOnce<T extends object>(value: T): T {
  knownSizes.set(value, jsonBytes(value));
  return Object.freeze(value);
}

export class JsonSizeMemo {
  private readonly strings = new Map<string, number>();

  string(s: string): number {
    if (s.length < MEMO_FROM) return jsonStringBytes(s);
    let n = this.strings.get(s);
    if (n === undefined) this.strings.set(s, (n = jsonStringBytes(s)));
    return n;
  }
}

export function jsonBytes(value: unknown, memo: JsonSizeMemo = new JsonSizeMemo()): number {
  const n = size(value, memo, 0, false);
  if (n < 0) throw new TypeError('the value has no JSON form');
  return n;
}

/** -1: nothing is written (undefined, a function, a symbol). */
function size(v: unknown, memo: JsonSizeMemo, depth: number, inArray: boolean): number {
  switch (typeof v) {
    case 'string':
      return memo.string(v);
    case 'number':
      return Number.isFinite(v) ? String(v).length : 4;
    case 'boolean':
      return v ? 4 : 5;
    case 'undefined':
    case 'function':
    case 'symbol':
      return inArray ? 4 : -1;
    case 'bigint':
      return viaStringify(v, inArray);
  }
  if (v === null) return 4;
  const o = v as object;
  if (depth >= MAX_DEPTH) return viaStringify(o, inArray);
  const known = knownSizes.get(o);
  if (known !== undefined) return known;
  let n: number;
  if (Array.isArray(o)) {
    n = 2 + Math.max(0, o.length - 1);
    for (let i = 0; i < o.length; i++) n += size(o[i], memo, depth + 1, true);
  } else {
    const proto = Object.getPrototypeOf(o) as unknown;
    if ((proto !== Object.prototype && proto !== null) || typeof (o as { toJSON?: unknown }).toJSON === 'function') return viaStringify(o, inArray);
    n = 2;
    let members = 0;
    const rec = o as Record<string, unknown>;
    for (const key of Object.keys(rec)) {
      const m = size(rec[key], memo, depth + 1, false);
      if (m < 0) continue;
      n += memo.string(key) + 1 + m;
      members++;
    }
    n += Math.max(0, members - 1);
  }
  return n;
}

function viaStringify(v: unknown, inArray: boolean): number {
  const text = JSON.stringify(v);
  if (text === undefined) return inArray ? 4 : -1;
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Bytes of `"s"` as JSON.stringify writes it, in UTF-8, counted without making the string:
 * a 40 kB prompt stringified per run was the largest allocation of a 2,000x3 drain (1 GB).
 */
export function jsonStringBytes(s: string): number {
  let n = 2;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      // " and \ get a backslash; \b \t \n \f \r take two bytes, other controls \u00XX six.
      if (c >= 0x20) n += c === 0x22 || c === 0x5c ? 2 : 1;
      else n += c === 8 || c === 9 || c === 10 || c === 12 || c === 13 ? 2 : 6;
    } else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 6; // a lone high surrogate is written \udXXX (well-formed JSON.stringify)
    } else if (c >= 0xdc00 && c <= 0xdfff) n += 6;
    else n += 3;
  }
  return n;
}
