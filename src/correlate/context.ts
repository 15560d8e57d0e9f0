// The state every concern of the correlation engine shares: config, the open tables and the
// output. Each module (sessions, lineage, runs, llm-calls, message-pairing, tools, deadlines,
// identity-view) is a set of functions over this one context; engine.ts only dispatches.

import type { CorrelationConfig } from '../config/types.ts';
import type { CapturePolicy } from '../trace/capture.ts';
import type { Run, RunAmendment, Session } from '../trace/model.ts';
import type { IdSource } from './ids.ts';
import type { RunState, SessionState } from './state.ts';
import type { RunIndex } from './run-index.ts';

export interface EngineOutput {
  runEnded(session: Session, run: Run): void;
  sessionEnded(session: Session): void;
  /** A correction to a run already delivered (e.g. a late llm_output's run total). */
  runAmended?(session: Session, amendment: RunAmendment): void;
}

export interface EngineCounters {
  events: number;
  llmSpans: number;
  toolSpans: number;
  marks: number;
  runs: number;
  sessionsOpened: number;
  sessionsClosed: number;
  /** Buffered records dropped by maxRecordsPerKey. */
  recordsDropped: number;
  /** Runs and buffers released by recordTtlMs. */
  recordsExpired: number;
  /** Sessions closed early by maxOpenSessions. */
  sessionsEvicted: number;
  /** Events that named no session the engine could find or open. */
  unattributed: number;
  duplicates: number;
  /** Events for a run that had already been exported. */
  lateEvents: number;
  /** LLM calls of other plugins (api.runtime.llm), seen only as model.usage diagnostic events. */
  pluginLlmCalls: number;
  /** model.usage events naming no session: grouped in a per-agent `plugin-llm:<agentId>` session. */
  pluginLlmCallsUnattributed: number;
  /** model.usage events of runs the hooks already showed (skipped). */
  usageOfObservedRuns: number;
}

export interface PendingLineage {
  parentKey?: string;
  toolCallId?: string;
  parentRunId?: string;
}

export interface EngineContext {
  readonly cfg: CorrelationConfig;
  readonly capture: CapturePolicy;
  readonly ids: IdSource;
  readonly out: EngineOutput;
  /** Runs the work after a finished run or closed session on the lane, in order. */
  readonly defer: (work: () => void) => void;
  /** Delivered runs are kept as summaries (finalize/release.ts). */
  readonly releaseContent: boolean;
  /** Summaries keep the session's first prompt and runs' last answers (an output exports them). */
  readonly keepSessionIo: boolean;
  readonly counters: EngineCounters;
  /** Open sessions by key, least recently active first (lruGet / lruTouch). */
  readonly sessions: Map<string, SessionState>;
  readonly keyBySessionId: Map<string, string>;
  /** Open runs, least recently active first. */
  readonly runs: Map<string, RunState>;
  /** Finished runs by id: late events for them are counted, never opened as new runs. The
   * state is kept while its session is open (a late llm_output becomes an amendment). */
  readonly recent: Map<string, RunState | null>;
  /** Runs in `runs` or `recent` by span id and OpenClaw trace id. */
  readonly runIndex: RunIndex;
  /** Runs past agent_end waiting out the grace window. */
  readonly finalizing: Set<RunState>;
  /** How many times each session key has been opened (segments), bounded. */
  readonly segments: Map<string, number>;
  /** Subagent lineage that arrived before the child's session existed. */
  readonly pendingLineage: Map<string, PendingLineage>;
  /** subagent_spawned names the child's run before any hook of that run arrives. */
  readonly spawnedRuns: Map<string, string>;
  /** Earliest grace deadline, and when the next idle sweep is due. */
  deadlines: { earliest: number; nextSweep: number };
}

export function newCounters(): EngineCounters {
  return {
    events: 0,
    llmSpans: 0,
    toolSpans: 0,
    marks: 0,
    runs: 0,
    sessionsOpened: 0,
    sessionsClosed: 0,
    recordsDropped: 0,
    recordsExpired: 0,
    sessionsEvicted: 0,
    unattributed: 0,
    duplicates: 0,
    lateEvents: 0,
    pluginLlmCalls: 0,
    pluginLlmCallsUnattributed: 0,
    usageOfObservedRuns: 0,
  };
}
