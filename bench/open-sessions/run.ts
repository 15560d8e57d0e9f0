// `npm run bench -- --scenario open-sessions`: sessions opened by /v1/chat/completions never
// get session_end, so they stay open until idle expiry. N such sessions (--sessions, default
// 10,000), one finished turn each, in a fresh process: the retained heap over the floor
// measured in the same process is judged (target <= 64 MB at 10,000), and reported as a
// ratio to that floor too.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { OpenSessionsChildOptions, OpenSessionsChildResult } from './child.ts';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
const MB = 2 ** 20;
export const OPEN_SESSIONS_TARGET_MB = 64;

export interface OpenSessionsResult {
  sessions: number;
  openSessions: number;
  openRuns: number;
  atifFiles: number;
  floorHeapMB: number;
  retainedHeapMB: number;
  /** Retained heap / floor heap, both from the same process. */
  retainedToFloor: number;
  bytesPerSession: number;
  /**
   * Outside the JS heap, after the same full GCs: Buffers (the ATIF sink's serialized run
   * steps) and the process's RSS, each over the floor. Not judged; reported beside.
   */
  retainedExternalMB: number;
  retainedRssMB: number;
  ms: number;
  targetMB: number;
  pass: boolean;
}

export async function runOpenSessionsBench(o: { sessions: number; fixture: string; log: (s: string) => void }): Promise<OpenSessionsResult> {
  const opts: OpenSessionsChildOptions = { sessions: o.sessions, fixture: o.fixture };
  o.log(`open sessions: ${o.sessions} sessions of one /v1/chat/completions turn each, no session_end`);
  const child = spawn(process.execPath, ['--expose-gc', CHILD, JSON.stringify(opts)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let r: OpenSessionsChildResult | undefined;
  child.on('message', (m: { type?: string; result?: OpenSessionsChildResult }) => {
    if (m?.type === 'result') r = m.result;
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0 || !r) throw new Error(`open-sessions bench child failed (exit ${code})`);
  const round = (v: number) => Math.round(v * 100) / 100;
  const retained = (r.after.heapUsed - r.floor.heapUsed) / MB;
  const scaledTarget = (OPEN_SESSIONS_TARGET_MB * r.sessions) / 10_000;
  return {
    sessions: r.sessions,
    openSessions: r.openSessions,
    openRuns: r.openRuns,
    atifFiles: r.atifFiles,
    floorHeapMB: round(r.floor.heapUsed / MB),
    retainedHeapMB: round(retained),
    retainedToFloor: round(r.after.heapUsed / r.floor.heapUsed - 1),
    bytesPerSession: Math.round((retained * MB) / Math.max(1, r.sessions)),
    retainedExternalMB: round((r.after.external - r.floor.external) / MB),
    retainedRssMB: round((r.after.rss - r.floor.rss) / MB),
    ms: r.ms,
    targetMB: round(scaledTarget),
    pass: retained <= scaledTarget,
  };
}
