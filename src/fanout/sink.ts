// The contract between the engine's output side and every exporter.
//
// The runtime calls these from hook handlers, so implementations only enqueue: any
// serialization, network or disk work happens later, off the hot path, in bounded queues.

import type { Run, Session } from '../trace/model.ts';

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
   * the session the run belongs to (a child's session for a subagent run).
   */
  runEnded(session: Session, run: Run): void;
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
