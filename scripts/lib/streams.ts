// Transformations of recorded hook streams: copies with fresh ids (to run one recording as
// many sessions), event-by-event interleaving, and filtering. Used by tests and the benchmark.

import type { RecordedHook } from './replay.ts';

const ID_FIELDS = ['sessionKey', 'sessionId', 'runId', 'callId', 'toolCallId', 'childSessionKey', 'requesterSessionKey', 'targetSessionKey', 'childRunId'];

/** Every id-like value in the stream, longest first (so replacing one never clips another). */
export function collectIds(records: RecordedHook[]): string[] {
  const ids = new Set<string>();
  const visit = (o: unknown, depth: number) => {
    if (depth > 3 || typeof o !== 'object' || o === null) return;
    for (const [k, v] of Object.entries(o)) {
      if (typeof v === 'string' && ID_FIELDS.includes(k) && v.length >= 6) ids.add(v);
      else if (typeof v === 'object') visit(v, depth + 1);
    }
  };
  for (const r of records) {
    visit(r.event, 0);
    visit(r.ctx, 0);
  }
  // callIds embed runIds and announce runIds embed session keys: substring replacement covers them.
  return [...ids].filter((id) => !/:model:\d+$/.test(id)).sort((a, b) => b.length - a.length);
}

/** A copy of the stream whose ids all carry `tag` and whose times are shifted by `shiftMs`. */
export function retag(records: RecordedHook[], tag: string, shiftMs = 0, ids = collectIds(records)): RecordedHook[] {
  const pattern = new RegExp(ids.map(escape).join('|'), 'g');
  return records.map((r) => {
    const json = JSON.stringify({ event: r.event, ctx: r.ctx }).replace(pattern, (m) => `${m}~${tag}`);
    const { event, ctx } = JSON.parse(json) as { event: unknown; ctx: unknown };
    return { ...r, ts: r.ts + shiftMs, event, ctx };
  });
}

/** Round-robin interleaving, one event of each stream at a time; times re-stamped increasing. */
export function interleave(streams: RecordedHook[][]): RecordedHook[] {
  const out: RecordedHook[] = [];
  const max = Math.max(...streams.map((s) => s.length));
  for (let i = 0; i < max; i++) for (const s of streams) if (s[i]) out.push(s[i]!);
  return out;
}

export function onlyHooks(records: RecordedHook[], keep: (hook: string) => boolean): RecordedHook[] {
  return records.filter((r) => keep(r.hook));
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
