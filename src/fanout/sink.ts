// The contract between the pipeline and every output. An output implements TraceSink and is
// listed once in src/runtime/outputs.ts; the fan-out (fanout.ts) is its only caller.
//
// The contract (proved by test/unit/fanout/contract.test.ts):
// - Every method is called on the background lane (src/fanout/lane.ts), never from a hook
//   handler, one call at a time, in the order the engine produced the facts.
// - `runEnded` is called exactly once per run, and before `sessionEnded` of that run's session;
//   a child session's `sessionEnded` comes before its root's.
// - A late correction to a run already delivered comes as `runAmended`, after that run's
//   `runEnded`; the run the sink received is never changed.
// - Every Run and RunAmendment argument is deeply frozen (a fresh snapshot built by
//   src/finalize): keep it as long as needed, build from it whenever. So is the Session of
//   `sessionEnded`: a snapshot of its whole tree (parent and children are snapshots too),
//   built on the lane. The Session of `runEnded`/`runAmended` is the engine's live record:
//   read it during the call, and key anything kept by `spanId` (unique per session,
//   subagents included), never by the object. A session's `runs` hold only the frozen
//   snapshots delivered so far, the same objects in the live record and in its snapshots.
// - A method may throw: the fan-out counts it and goes on with the next output.
//
// Implementations still keep their own I/O bounded and off the lane (queues, write slots):
// the lane is shared CPU time, not a place to wait.

import type { Run, RunAmendment, Session } from '../trace/model.ts';
import type { Annotation, AnnotationTarget } from '../trace/annotation.ts';

export interface SinkHealth {
  name: string;
  enabled: boolean;
  /** `ok` once it has worked or has had nothing to do; `degraded` after a failure that has not been followed by a success. */
  state: 'ok' | 'degraded' | 'disabled' | 'stopped';
  /** Units written: ATIF files/checkpoints or exported spans, as `unit` says. */
  exported: number;
  unit: 'files' | 'spans' | 'messages';
  failures: number;
  /** Items dropped because a queue was full or the sink was stopped. */
  dropped: number;
  queueDepth: number;
  lastSuccessTime?: string;
  lastError?: { time: string; message: string };
  /** Sink-specific extras (output directory, endpoint, ...). Never secrets. */
  details?: Record<string, unknown>;
}

export interface TraceSink {
  readonly name: string;
  /**
   * A run finished and its late events (llm_output) had their grace window. `session` is
   * the session the run belongs to (a child's session for a subagent run). Once per run.
   */
  runEnded(session: Session, run: Run): void;
  /** A correction to a run this sink already received in `runEnded` (optional). */
  runAmended?(session: Session, amendment: RunAmendment): void;
  /**
   * A client annotated a session or one of its runs (nemoRelay.annotate), possibly after the
   * session ended and its runs were delivered: the delivered snapshots stay as they are; the
   * sink records the annotation beside them (optional).
   */
  sessionAnnotated?(target: AnnotationTarget, annotation: Annotation): void;
  /** A session closed: session_end, gateway_stop, process exit or TTL expiry. Children close before their root. */
  sessionEnded(session: Session): void;
  /** Resolves when everything enqueued so far is written or has failed. */
  flush(): Promise<void>;
  /** Flushes, then releases resources; later calls to runEnded/sessionEnded count as drops. */
  shutdown(): Promise<void>;
  health(): SinkHealth;
  /**
   * Optional last-chance synchronous write, called from process 'exit' (no event loop left):
   * an embedded `openclaw agent --local` run may exit without awaiting anything.
   */
  flushSync?(): void;
}
