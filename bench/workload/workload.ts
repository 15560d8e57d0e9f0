// N sessions x M runs built from one recorded turn, interleaved event by event across
// sessions: every session_start first, then the runs, each session's session_end right
// after its last run, one gateway_stop at the very end. Built completely before any timing.

import { collectIds, interleave, retag } from '../../scripts/lib/streams.ts';
import type { RecordedHook } from '../../scripts/lib/replay.ts';
import { compileTop, idClasses, type CopyContext, type Copier } from './copy.ts';
import type { RecordedTurn } from './recording.ts';

export interface Delivery {
  /** Registration mode of the instance OpenClaw delivered it to ("full" or "discovery"). */
  mode: string;
  hook: string;
  event: unknown;
  ctx: unknown;
}

interface CompiledRecord {
  record: RecordedHook;
  event: Copier;
  ctx: Copier;
}

export interface TurnTemplate {
  recording: RecordedTurn;
  start: CompiledRecord;
  turn: CompiledRecord[];
  end: CompiledRecord;
  /** Recorded length of the turn, ms. */
  spanMs: number;
}

const DAY = 86_400_000;

export function compileTurn(rec: RecordedTurn): TurnTemplate {
  const records = [rec.sessionStart, ...rec.turn, rec.sessionEnd];
  const sessionIds: string[] = [];
  for (const part of [rec.sessionStart.event, rec.sessionStart.ctx]) {
    const o = part as { sessionKey?: unknown; sessionId?: unknown };
    for (const v of [o?.sessionKey, o?.sessionId]) if (typeof v === 'string') sessionIds.push(v);
  }
  const ids = idClasses(collectIds(records), sessionIds);
  const ts = records.map((r) => r.ts);
  const times = { min: Math.min(...ts) - DAY, max: Math.max(...ts) + DAY };
  const compileRecord = (record: RecordedHook): CompiledRecord => ({
    record,
    event: compileTop(record.event, ids, times),
    ctx: compileTop(record.ctx, ids, times),
  });
  const first = rec.turn[0]!.ts;
  const last = rec.turn[rec.turn.length - 1]!.ts;
  return {
    recording: rec,
    start: compileRecord(rec.sessionStart),
    turn: rec.turn.map(compileRecord),
    end: compileRecord(rec.sessionEnd),
    spanMs: last - first,
  };
}

function copy(c: CompiledRecord, ctx: CopyContext): Delivery {
  return { mode: c.record.registrationMode ?? 'full', hook: c.record.hook, event: c.event(ctx), ctx: c.ctx(ctx) };
}

/**
 * One session's stream: session_start, `runs` copies of the turn, session_end. Times are
 * moved so the session starts at `startMs` and its runs follow one another.
 */
export function sessionStream(tpl: TurnTemplate, sessionTag: string, runs: number, startMs: number): Delivery[] {
  const origin = tpl.recording.turn[0]!.ts;
  const gap = tpl.spanMs + 1000;
  const sessionStrings = new Map<string, string>();
  const ctxFor = (run: number): CopyContext => ({
    sessionTag,
    runTag: `${sessionTag}r${run}`,
    shiftMs: startMs - origin + run * gap,
    sessionStrings,
    runStrings: new Map(),
  });
  const out: Delivery[] = [copy(tpl.start, ctxFor(0))];
  for (let m = 0; m < runs; m++) {
    const ctx = ctxFor(m);
    for (const r of tpl.turn) out.push(copy(r, ctx));
  }
  out.push(copy(tpl.end, ctxFor(runs)));
  return out;
}

export interface WorkloadOptions {
  sessions: number;
  runs: number;
  /** Distinguishes warm-up sessions from measured ones. */
  tagPrefix: string;
  startMs: number;
}

/** Interleaved deliveries of every session (no gateway_stop: the caller adds it). */
export function buildWorkload(tpl: TurnTemplate, o: WorkloadOptions): Delivery[] {
  const streams: Delivery[][] = [];
  for (let s = 0; s < o.sessions; s++) streams.push(sessionStream(tpl, `${o.tagPrefix}${s}`, o.runs, o.startMs + s));
  // interleave() is written for RecordedHook streams; a Delivery carries the same fields.
  return interleave(streams as unknown as RecordedHook[][]) as unknown as Delivery[];
}

export function gatewayStopDelivery(tpl: TurnTemplate): Delivery {
  const r = tpl.recording.gatewayStop;
  return { mode: r.registrationMode ?? 'full', hook: r.hook, event: structuredClone(r.event), ctx: structuredClone(r.ctx) };
}

export function gatewayStartDelivery(tpl: TurnTemplate): Delivery | undefined {
  const r = tpl.recording.gatewayStart;
  return r ? { mode: r.registrationMode ?? 'full', hook: r.hook, event: structuredClone(r.event), ctx: structuredClone(r.ctx) } : undefined;
}

/** The structure-sharing copy must equal the reference retag() output, byte for byte. */
export function checkAgainstRetag(tpl: TurnTemplate): void {
  const rec = tpl.recording;
  const records = [rec.sessionStart, ...rec.turn, rec.sessionEnd];
  const expected = retag(records, 'chk', 0, collectIds(records));
  const sessionStrings = new Map<string, string>();
  const ctx: CopyContext = { sessionTag: 'chk', runTag: 'chk', shiftMs: 0, sessionStrings, runStrings: new Map() };
  const ours = [tpl.start, ...tpl.turn, tpl.end].map((c) => copy(c, ctx));
  for (let i = 0; i < records.length; i++) {
    const a = JSON.stringify({ event: ours[i]!.event, ctx: ours[i]!.ctx });
    const b = JSON.stringify({ event: expected[i]!.event, ctx: expected[i]!.ctx });
    if (a !== b) throw new Error(`bench workload: copy of ${records[i]!.hook} (#${i}) differs from retag()`);
  }
}
