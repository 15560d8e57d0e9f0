// Picks the pieces of a recorded gateway stream the benchmark replays: one turn (the run
// that calls a tool, by default), the session_start/session_end around it and gateway_stop.

import { readRecording, type RecordedHook } from '../../scripts/lib/replay.ts';

export interface RecordedTurn {
  file: string;
  /** The turn's hooks in recorded order: the user message write through llm_output. */
  turn: RecordedHook[];
  sessionStart: RecordedHook;
  sessionEnd: RecordedHook;
  gatewayStart: RecordedHook | undefined;
  gatewayStop: RecordedHook;
  runId: string;
  /** Spans one copy of the turn yields per OTLP output: run + LLM calls + tools. */
  spansPerRun: number;
}

const SKIPPED = /^(cron_|gateway_|session_)/;

function runIdOf(r: RecordedHook): string | undefined {
  const e = r.event as { runId?: unknown } | null;
  const c = r.ctx as { runId?: unknown } | null;
  const id = (e && typeof e === 'object' ? e.runId : undefined) ?? (c && typeof c === 'object' ? c.runId : undefined);
  return typeof id === 'string' ? id : undefined;
}

export function loadTurn(file: string, opts: { runWithTool?: boolean } = {}): RecordedTurn {
  const all = readRecording(file);
  const find = (hook: string) => all.find((r) => r.hook === hook);
  const sessionStart = find('session_start');
  const sessionEnd = [...all].reverse().find((r) => r.hook === 'session_end');
  const gatewayStop = find('gateway_stop');
  if (!sessionStart || !sessionEnd || !gatewayStop) throw new Error(`${file}: needs session_start, session_end and gateway_stop`);

  const ends = all.map((r, i) => (r.hook === 'llm_output' ? i : -1)).filter((i) => i >= 0);
  const wanted = opts.runWithTool === false
    ? runIdOf(all[ends[0]!]!)
    : runIdOf(all.find((r) => r.hook === 'before_tool_call') ?? all[ends[0]!]!);
  const endIndex = ends.find((i) => runIdOf(all[i]!) === wanted);
  if (wanted === undefined || endIndex === undefined) throw new Error(`${file}: no complete run (llm_output) found`);
  // The turn starts right after the previous run's llm_output (or session_start): that
  // takes the user message write, which OpenClaw delivers before the run's first hook.
  const prevEnd = ends.filter((i) => i < endIndex).pop() ?? all.indexOf(sessionStart);
  const turn = all.slice(prevEnd + 1, endIndex + 1).filter((r) => !SKIPPED.test(r.hook));

  const count = (hook: string) => turn.filter((r) => r.hook === hook).length;
  return {
    file,
    turn,
    sessionStart,
    sessionEnd,
    gatewayStart: find('gateway_start'),
    gatewayStop,
    runId: wanted,
    spansPerRun: 1 + count('model_call_started') + count('before_tool_call'),
  };
}
