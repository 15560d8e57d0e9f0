// Small conversions from trace values to ATIF values. Trace data comes from untrusted hook
// payloads, so every helper tolerates the wrong type instead of throwing mid-export.

import type { Mark } from '../../trace/model.ts';
import type { JsonObject } from './types.ts';

/** ISO 8601 for an epoch-ms time; undefined when unknown or not a representable date. */
export function isoTime(ms: number | undefined): string | undefined {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return undefined;
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return undefined;
  const iso = d.toISOString();
  // Years outside 0000-9999 come out as `+275760-...`/`-000001-...`, which is not ATIF's
  // ISO 8601 form: a time that far off is garbage from a payload, not a time.
  return /^\d{4}-/.test(iso) ? iso : undefined;
}

export function isPlainObject(value: unknown): value is JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A non-negative integer token count, or undefined. */
export function count(value: unknown): number | undefined {
  // Clamped: sums of a few absurd counts (1e308) must stay finite, or JSON turns them into null.
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.min(Math.round(value), Number.MAX_SAFE_INTEGER) : undefined;
}

/** A finite non-negative amount (USD), or undefined. */
export function amount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

export function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Copies only defined entries, so documents never carry `undefined` or empty `extra` objects. */
export function compact(entries: JsonObject): JsonObject | undefined {
  const out: JsonObject = {};
  let any = false;
  for (const [k, v] of Object.entries(entries)) {
    if (v === undefined) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
    any = true;
  }
  return any ? out : undefined;
}

export interface MarkJson extends JsonObject {
  name: string;
  severity: string;
  message: string;
  time?: string;
  attributes?: JsonObject;
}

export function markJson(mark: Mark): MarkJson {
  const out: MarkJson = { name: String(mark.name), severity: String(mark.severity), message: String(mark.message) };
  const time = isoTime(mark.time);
  if (time) out.time = time;
  if (isPlainObject(mark.attributes) && Object.keys(mark.attributes).length > 0) out.attributes = { ...mark.attributes };
  return out;
}

/**
 * A compaction that happened (a context_management boundary). The engine names the mark
 * `context.compaction` (see the report to the lead); other spellings of the same fact are
 * accepted, and a `before` phase alone is not a boundary.
 */
export function isCompactionMark(mark: Mark): boolean {
  const name = typeof mark.name === 'string' ? mark.name : '';
  if (!/(^|[._])compaction(\.after)?$/.test(name) && !name.endsWith('after_compaction')) return false;
  return mark.attributes?.['phase'] !== 'before';
}

/**
 * A JSON-safe copy of a value from a hook payload: a BigInt, a cycle or a function in tool
 * arguments must not make every later checkpoint of the session fail in JSON.stringify.
 * Shared (non-cyclic) references are copied, not flagged: only the current path is checked.
 */
export function jsonSafe(value: unknown, path: object[] = []): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object') return undefined;
  if (path.includes(value)) return '[circular]';
  if (path.length >= 64) return '[too deep]';
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    try {
      return jsonSafe(toJSON.call(value), path);
    } catch {
      return '[unserializable]';
    }
  }
  path.push(value);
  try {
    if (Array.isArray(value)) return value.map((v) => jsonSafe(v, path) ?? null);
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      const safe = jsonSafe(v, path);
      if (safe !== undefined) out[k] = safe;
    }
    return out;
  } finally {
    path.pop();
  }
}
