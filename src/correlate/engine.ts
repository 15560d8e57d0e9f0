// The correlation engine: HookEvents in, a trace out. Pure: no I/O, no timers, no clock of
// its own. The runtime feeds it events stamped with their arrival time and calls
// `advance(now)` when `nextDeadline()` is due; the engine reports finished runs (as frozen
// snapshots) and closed sessions through its output, on the lane it is given.
//
// This file only dispatches; each concern is a module over the shared context:
//   sessions.ts        open sessions (LRU, maxOpenSessions), segments, closing
//   lineage.ts         subagent parent/child links
//   runs.ts            runs, run-level hooks, late events (amendments)
//   llm-calls.ts       model_call_started/ended pairing on callId
//   message-pairing.ts before_message_write -> the active run's oldest open call
//   tools.ts           tool calls, owners and orphans
//   deadlines.ts       grace window, finishing a run, idle sweep
//   identity-view.ts   the session identity the Dynamo provider reads
//   marks.ts           annotations

import type { CorrelationConfig } from '../config/types.ts';
import type { HookEvent } from '../ingest/events.ts';
import type { CapturePolicy } from '../trace/capture.ts';
import type { SessionIdentity, SessionIdentityView } from '../trace/identity.ts';
import { newCounters, type EngineContext, type EngineCounters, type EngineOutput } from './context.ts';
import { advance, nextDeadline } from './deadlines.ts';
import { byRunId, bySessionId, bySessionKey } from './identity-view.ts';
import type { IdSource } from './ids.ts';
import { noteSpawnedRun, link, onSubagentSpawned } from './lineage.ts';
import { mark } from './marks.ts';
import { onMessage } from './message-pairing.ts';
import { onRunEvent } from './runs.ts';
import { onModelUsage } from './plugin-calls.ts';
import { closeAll, closeSession, findSession, sessionFor } from './sessions.ts';
import { sizesOf, type EngineSizes } from './sizes.ts';
import { RunIndex } from './run-index.ts';

export type { EngineCounters, EngineOutput } from './context.ts';
export type { EngineSizes } from './sizes.ts';

export interface EngineOptions {
  correlation: CorrelationConfig;
  capture: CapturePolicy;
  ids: IdSource;
  output: EngineOutput;
  /**
   * Runs the work that follows a finished run or a closed session (applying the capture
   * policy, building the frozen snapshot, the output calls) after the event that triggered
   * it, in order. The runtime hands it to its background lane: a secret scan of a 40 kB
   * system prompt has no place on a hook handler's clock. Default: at once.
   */
  defer?: (work: () => void) => void;
  /**
   * Once every output has had a run (runEnded), its session keeps only the run's summary
   * (finalize/release.ts): an open session then holds ids, times and usage, not the
   * conversation. Outputs that need the content keep the Run they were given. The runtime
   * turns it on; default off (a session's runs are the delivered runs themselves).
   */
  releaseContent?: boolean;
  /**
   * Whether run summaries keep the session's first prompt and each run's last answer, which
   * only the OpenInference session span reads. Default true.
   */
  keepSessionIo?: boolean;
}

export class CorrelationEngine implements SessionIdentityView {
  private readonly ctx: EngineContext;

  constructor(opts: EngineOptions) {
    this.ctx = {
      cfg: opts.correlation,
      capture: opts.capture,
      ids: opts.ids,
      out: opts.output,
      defer: opts.defer ?? ((work) => work()),
      releaseContent: opts.releaseContent === true,
      keepSessionIo: opts.keepSessionIo !== false,
      counters: newCounters(),
      sessions: new Map(),
      keyBySessionId: new Map(),
      runs: new Map(),
      recent: new Map(),
      runIndex: new RunIndex(),
      finalizing: new Set(),
      segments: new Map(),
      pendingLineage: new Map(),
      spawnedRuns: new Map(),
      deadlines: { earliest: Infinity, nextSweep: 0 },
    };
  }

  get counters(): EngineCounters {
    return this.ctx.counters;
  }

  handle(ev: HookEvent): void {
    const ctx = this.ctx;
    ctx.counters.events++;
    switch (ev.type) {
      case 'gateway_start':
      case 'tool_persist': // the same toolResult arrives again through before_message_write
        return;
      case 'gateway_stop':
        return closeAll(ctx, ev.at, ev.reason ?? 'gateway_stop');
      case 'session_start': {
        const s = sessionFor(ctx, ev, 'session_start');
        if (s && s.session.openedBy !== 'session_start' && s.opened === 0) {
          s.session.openedBy = 'session_start';
          s.session.startTime = ev.at;
        }
        return;
      }
      case 'session_end': {
        const s = findSession(ctx, ev.sessionKey, ev.sessionId);
        if (!s) return void ctx.counters.unattributed++;
        return closeSession(ctx, s, ev.at, ev.reason ?? 'session_end');
      }
      case 'run_hook':
      case 'llm_input':
      case 'model_call_started':
      case 'model_call_ended':
      case 'tool_start':
      case 'tool_end':
      case 'agent_end':
      case 'llm_output':
      case 'provider_request':
        return onRunEvent(ctx, ev);
      case 'model_usage':
        return onModelUsage(ctx, ev);
      case 'message_write':
        return onMessage(ctx, ev.message, ev);
      case 'compaction': {
        const s = sessionFor(ctx, ev, 'compaction');
        if (!s || ev.phase !== 'after') return;
        mark(ctx, s.session.marks, ev.at, 'context.compaction', 'info', 'OpenClaw compacted the conversation history', {
          ...(ev.messageCount !== undefined ? { messageCount: ev.messageCount } : {}),
          ...(ev.compactedCount !== undefined ? { compactedCount: ev.compactedCount } : {}),
          ...(ev.tokenCount !== undefined ? { tokenCount: ev.tokenCount } : {}),
          ...(ev.runId ? { runId: ev.runId } : {}),
        });
        return;
      }
      case 'subagent_spawned':
        if (ev.childRunId) noteSpawnedRun(ctx, ev.childRunId, ev.childSessionKey);
        return onSubagentSpawned(ctx, ev.childSessionKey, ev.at, ev.requesterSessionKey, ev.agentId);
      case 'subagent_target':
        return link(ctx, ev.childSessionKey, ev.requesterSessionKey, undefined, ev.at);
      case 'subagent_ended': {
        const child = ctx.sessions.get(ev.childSessionKey);
        if (!child) return;
        if (ev.outcome && ev.outcome !== 'ok') {
          mark(ctx, child.session.marks, ev.at, 'subagent.ended', ev.outcome === 'error' ? 'error' : 'warning',
            // Payload text: through the capture policy like every other exported text (secrets).
            ctx.capture.clean(`subagent ended: ${ev.outcome}${ev.error ? `: ${ev.error}` : ''}`), { reason: ev.reason ?? '' });
        }
        return closeSession(ctx, child, ev.endedAt ?? ev.at, ev.reason ?? 'subagent_ended');
      }
    }
  }

  /** Finalizes runs whose grace window ended and expires idle records. */
  advance(now: number): void {
    advance(this.ctx, now);
  }

  nextDeadline(): number {
    return nextDeadline(this.ctx);
  }

  /** Closes every open session (gateway_stop, process exit). */
  closeAll(at: number, reason: string): void {
    closeAll(this.ctx, at, reason);
  }

  get captureCounters(): { truncated: number; secretsMasked: number } {
    return this.ctx.capture.counters;
  }

  get openSessions(): number {
    return this.ctx.sessions.size;
  }

  get openRuns(): number {
    return this.ctx.runs.size;
  }

  /** Buffered records waiting for a partner event. */
  get bufferedRecords(): number {
    return this.sizes().bufferedRecords;
  }

  /** How much the engine holds, table by table: status and tests read this, never the maps. */
  sizes(): EngineSizes {
    return sizesOf(this.ctx);
  }

  bySessionKey(sessionKey: string): SessionIdentity | undefined {
    return bySessionKey(this.ctx, sessionKey);
  }

  byRunId(runId: string): SessionIdentity | undefined {
    return byRunId(this.ctx, runId);
  }

  bySessionId(sessionId: string): SessionIdentity | undefined {
    return bySessionId(this.ctx, sessionId);
  }
}
