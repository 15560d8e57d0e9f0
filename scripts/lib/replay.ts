// Replays a recorded hook stream (JSONL written by the hook-recorder plugin) through the
// engine with the recorded arrival times as its clock.

import { readFileSync } from 'node:fs';
import { CorrelationEngine } from '../../src/correlate/engine.ts';
import { sequentialIds } from '../../src/correlate/ids.ts';
import { parseHook } from '../../src/ingest/parse.ts';
import { loadConfig } from '../../src/config/load.ts';
import { CapturePolicy } from '../../src/trace/capture.ts';
import type { Run, RunAmendment, Session } from '../../src/trace/model.ts';

export interface RecordedHook {
  seq?: number;
  ts: number;
  hook: string;
  registrationMode?: string;
  event: unknown;
  ctx: unknown;
}

export function readRecording(path: string): RecordedHook[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as RecordedHook & { kind?: string })
    .filter((r) => typeof r.hook === 'string' && (r.kind === undefined || r.kind === 'hook'));
}

export interface ReplayResult {
  engine: CorrelationEngine;
  runs: { session: Session; run: Run }[];
  sessions: Session[];
  amendments: { session: Session; amendment: RunAmendment }[];
  problems: { hook: string; problems: string[] }[];
}

export function replay(records: RecordedHook[], rawConfig: unknown = {}, opts: { settleMs?: number; onRunEnded?: (run: Run) => void; onSessionEnded?: (session: Session) => void } = {}): ReplayResult {
  const loaded = loadConfig(rawConfig, {});
  const runs: ReplayResult['runs'] = [];
  const sessions: Session[] = [];
  const problems: ReplayResult['problems'] = [];
  const amendments: ReplayResult['amendments'] = [];
  const engine = new CorrelationEngine({
    correlation: loaded.config.correlation,
    capture: new CapturePolicy(loaded.config.capture),
    ids: sequentialIds(),
    output: {
      runEnded: (session, run) => {
        opts.onRunEnded?.(run);
        runs.push({ session, run });
      },
      sessionEnded: (s) => {
        opts.onSessionEnded?.(s);
        sessions.push(s);
      },
      runAmended: (session, amendment) => amendments.push({ session, amendment }),
    },
  });
  let last = 0;
  for (const r of records) {
    engine.advance(r.ts);
    const parsed = parseHook(r.hook, r.event, r.ctx, r.ts);
    if (parsed.problems.length) problems.push({ hook: r.hook, problems: parsed.problems });
    if (parsed.event) engine.handle(parsed.event);
    last = r.ts;
  }
  engine.advance(last + (opts.settleMs ?? 60_000));
  return { engine, runs, sessions, amendments, problems };
}
