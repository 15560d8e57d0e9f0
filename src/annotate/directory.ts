// Which sessions an annotation can name: a TraceSink that sees every delivered run and keeps
// identities only (ids, trace and span ids; run id -> run span id), never content. Open
// sessions are looked up with their engine record so the outputs can render them; closed ones
// stay known (bounded) so a reward that arrives after session_end still finds its trace and file.

import { isValidTraceId } from '@opentelemetry/api';
import type { SinkHealth, TraceSink } from '../fanout/sink.ts';
import type { AnnotationTarget } from '../trace/annotation.ts';
import type { Run, Session } from '../trace/model.ts';
import { rootOf } from '../trace/model.ts';
import { lruGet, lruInsert } from '../util/lru.ts';

interface Entry {
  sessionKey: string;
  sessionId?: string;
  traceId: string;
  spanId: string;
  /** run id -> run span id (bounded per session). */
  /** Run id -> its span and the trace it lives in (its own OpenClaw trace in per-run mode). */
  runs: Map<string, { spanId: string; traceId: string }>;
  /** While open: the engine's record (dropped at sessionEnded so its content can go). */
  session?: Session;
}

const MAX_SESSIONS = 4096;
const MAX_RUNS_PER_SESSION = 1024;

export class SessionDirectory implements TraceSink {
  readonly name = 'annotate-directory';
  private readonly byId = new Map<string, Entry>();
  private readonly byKey = new Map<string, Entry>();

  runEnded(session: Session, run: Run): void {
    const e = this.entry(session);
    e.runs.delete(run.runId);
    const traceId = run.trace !== undefined && isValidTraceId(run.trace.traceId) ? run.trace.traceId : e.traceId;
    lruInsert(e.runs, run.runId, { spanId: run.spanId, traceId }, MAX_RUNS_PER_SESSION);
  }

  sessionEnded(session: Session): void {
    const e = this.entry(session);
    delete e.session;
  }

  /** The target for `sessionId`/`sessionKey` (and `runId`), or a message naming what was not found. */
  resolve(q: { sessionId?: string; sessionKey?: string; runId?: string }, at: number): AnnotationTarget | string {
    const e = (q.sessionId !== undefined ? lruGet(this.byId, q.sessionId) : undefined) ?? (q.sessionKey !== undefined ? lruGet(this.byKey, q.sessionKey) : undefined);
    if (!e) return q.sessionId !== undefined ? `sessionId: no session ${q.sessionId} has finished a run here` : `sessionKey: no session ${q.sessionKey} has finished a run here`;
    const t: AnnotationTarget = { sessionKey: e.sessionKey, traceId: e.traceId, sessionSpanId: e.spanId, at };
    if (e.sessionId !== undefined) t.sessionId = e.sessionId;
    if (e.session) t.session = e.session;
    if (q.runId !== undefined) {
      const run = e.runs.get(q.runId);
      if (run === undefined) return `runId: no run ${q.runId} finished in this session`;
      t.runId = q.runId;
      t.runSpanId = run.spanId;
      t.runTraceId = run.traceId;
    }
    return t;
  }

  private entry(session: Session): Entry {
    let e = (session.sessionId !== undefined ? this.byId.get(session.sessionId) : undefined) ?? this.byKey.get(session.sessionKey);
    // A key seen again after its session closed is a new segment (a new trace): a new entry.
    // By span id, not identity: sessionEnded gets a frozen snapshot, not the live record.
    if (!e || e.traceId !== rootOf(session).traceId || (e.session && e.session.spanId !== session.spanId)) {
      e = { sessionKey: session.sessionKey, traceId: rootOf(session).traceId, spanId: session.spanId, runs: new Map() };
    }
    if (!session.closed) e.session = session;
    if (session.sessionId !== undefined) {
      e.sessionId = session.sessionId;
      this.byId.delete(session.sessionId);
      lruInsert(this.byId, session.sessionId, e, MAX_SESSIONS);
    }
    this.byKey.delete(session.sessionKey);
    lruInsert(this.byKey, session.sessionKey, e, MAX_SESSIONS);
    return e;
  }

  async flush(): Promise<void> {}
  async shutdown(): Promise<void> {}
  health(): SinkHealth {
    return { name: this.name, enabled: true, state: 'ok', exported: 0, unit: 'messages', failures: 0, dropped: 0, queueDepth: 0, details: { sessions_known: this.byKey.size } };
  }
}
