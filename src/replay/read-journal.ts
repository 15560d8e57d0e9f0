// Reads a hook journal back into what the ingest stage saw live: (hook, event, ctx, arrival
// time). Two shapes are understood, line by line:
//   - ATOF records written by src/outputs/atof (data_schema "openclaw.hook"): `data` holds
//     {hook, event, ctx}; the arrival time is metadata.arrival_ms, else `timestamp`
//     (RFC 3339 or epoch microseconds, ATOF §5.1);
//   - the project's recorded fixtures (fixtures/*.jsonl, test/support/recorder-plugin):
//     {seq, ts, hook, event, ctx, kind?}.
// Other ATOF records (another producer's scopes and marks) are counted and skipped. Records
// are ordered by arrival time (ATOF consumers must sort; ties keep file order).

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { HOOK_DATA_SCHEMA } from '../outputs/atof/encode.ts';

export interface ReplayRecord {
  hook: string;
  event: unknown;
  ctx: unknown;
  at: number;
}

export interface JournalRead {
  records: ReplayRecord[];
  /** Lines that are not JSON, or JSON of a shape this reader does not know. */
  skipped: number;
  firstSkipped?: { line: number; why: string };
  openclawVersion?: string;
}

/** Several journals (rotated files `events.jsonl.2 events.jsonl.1 events.jsonl`, or several processes), merged by arrival time. */
export async function readJournals(files: readonly string[]): Promise<JournalRead> {
  const out: JournalRead = { records: [], skipped: 0 };
  for (const f of files) {
    const r = await readJournal(f);
    out.records.push(...r.records);
    out.skipped += r.skipped;
    if (r.firstSkipped && !out.firstSkipped) out.firstSkipped = { line: r.firstSkipped.line, why: `${f}: ${r.firstSkipped.why}` };
    if (r.openclawVersion) out.openclawVersion = r.openclawVersion;
  }
  // Array.prototype.sort is stable: equal times keep file order.
  out.records.sort((a, b) => a.at - b.at);
  return out;
}

export async function readJournal(file: string): Promise<JournalRead> {
  const out: JournalRead = { records: [], skipped: 0 };
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (!line.trim()) continue;
    const skip = (why: string): void => {
      out.skipped++;
      out.firstSkipped ??= { line: n, why };
    };
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      skip('not JSON');
      continue;
    }
    const r = decode(v);
    if (typeof r === 'string') {
      skip(r);
      continue;
    }
    if (r.openclawVersion) out.openclawVersion = r.openclawVersion;
    out.records.push(r.rec);
  }
  // Array.prototype.sort is stable: equal times keep file order.
  out.records.sort((a, b) => a.at - b.at);
  return out;
}

/** One parsed line -> a record, or why it is not one. */
export function decode(v: unknown): { rec: ReplayRecord; openclawVersion?: string } | string {
  if (!isObj(v)) return 'not a JSON object';
  if (v.kind === 'mark' || v.kind === 'scope') {
    const schema = isObj(v.data_schema) ? v.data_schema : undefined;
    if (schema?.name !== HOOK_DATA_SCHEMA.name) return `ATOF ${String(v.kind)} without data_schema ${HOOK_DATA_SCHEMA.name}`;
    if (schema.version !== HOOK_DATA_SCHEMA.version) return `data_schema version ${String(schema.version)} (this reader knows ${HOOK_DATA_SCHEMA.version})`;
    const data = isObj(v.data) ? v.data : undefined;
    if (!data || typeof data.hook !== 'string') return 'data.hook missing';
    const meta = isObj(v.metadata) ? v.metadata : {};
    const at = typeof meta.arrival_ms === 'number' ? meta.arrival_ms : timestampMs(v.timestamp);
    if (at === undefined) return 'no arrival time (metadata.arrival_ms or timestamp)';
    const rec: ReplayRecord = { hook: data.hook, event: data.event, ctx: data.ctx, at };
    return typeof meta.openclaw_version === 'string' ? { rec, openclawVersion: meta.openclaw_version } : { rec };
  }
  if (typeof v.hook === 'string' && typeof v.ts === 'number') {
    if (v.kind !== undefined && v.kind !== 'hook') return `recorded ${String(v.kind)} line`;
    return { rec: { hook: v.hook, event: v.event, ctx: v.ctx, at: v.ts } };
  }
  return 'neither an ATOF record nor a recorded hook';
}

function timestampMs(t: unknown): number | undefined {
  if (typeof t === 'number' && Number.isFinite(t)) return t / 1000; // epoch microseconds
  if (typeof t === 'string') {
    const ms = Date.parse(t);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
