// The correlation engine: HookEvents in, a trace out. Pure: no I/O, no timers, no clock of
// its own. The runtime feeds it events stamped with their arrival time and calls
// `advance(now)` when `nextDeadline()` is due; the engine reports finished runs and closed
// sessions through its output.
//
// Keys and why:
// - callId (`<runId>:model:<n>`) is the exact key of one provider call: model_call_started
//   and model_call_ended pair on it. The assistant message (before_message_write) carries no
//   id; it belongs to the oldest call of the session's active run that has no output yet.
// - toolCallId pairs before_tool_call/after_tool_call, and names the call that asked for it.
// - before_message_write has only sessionKey: messages attach to the session's active run.

import type { CorrelationConfig } from '../config/types.ts';
import type { HookEvent, MessageIn } from '../ingest/events.ts';
import type { CapturePolicy } from '../trace/capture.ts';
import type { SessionIdentity, SessionIdentityView } from '../trace/identity.ts';
import type { LlmCall, Mark, MarkSeverity, Run, Session, ToolSpan } from '../trace/model.ts';
import { finalizeRun } from '../finalize/finalize-run.ts';
import type { IdSource } from './ids.ts';
import { resultText, splitContent } from './messages.ts';
import { pushCapped, type RunState, type SessionState } from './state.ts';
import { usageFrom } from '../trace/usage.ts';

export interface EngineOutput {
  runEnded(session: Session, run: Run): void;
  sessionEnded(session: Session): void;
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
}

export interface EngineOptions {
  correlation: CorrelationConfig;
  capture: CapturePolicy;
  ids: IdSource;
  output: EngineOutput;
  /**
   * Runs the work that follows a finished run or a closed session (applying the capture
   * policy, assembling inputs, the output calls) after the event that triggered it, in order.
   * The runtime hands it to its background lane: a secret scan of a 40 kB system prompt has
   * no place on a hook handler's clock. Default: at once.
   */
  defer?: (work: () => void) => void;
}

const SUBAGENT_KEY = /:subagent:/;
const SPAWN_TOOL = 'sessions_spawn';
// Finished runs remembered for a late llm_output; each holds its content, so keep few.
const RECENT_RUNS = 128;

export class CorrelationEngine implements SessionIdentityView {
  readonly counters: EngineCounters = {
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
  };

  private readonly cfg: CorrelationConfig;
  private readonly capture: CapturePolicy;
  private readonly ids: IdSource;
  private readonly out: EngineOutput;
  private readonly defer: (work: () => void) => void;
  /** Open sessions by key, least recently active first (touch = delete + set). */
  private readonly sessions = new Map<string, SessionState>();
  private readonly keyBySessionId = new Map<string, string>();
  /** Open runs, least recently active first. */
  private readonly runs = new Map<string, RunState>();
  /** Finished runs by id: late events for them are counted, never opened as new runs. The
   * state is kept while its session is open (a late llm_output is reconciled into it). */
  private readonly recent = new Map<string, RunState | null>();
  /** Runs past agent_end waiting out the grace window. */
  private readonly finalizing = new Set<RunState>();
  /** How many times each session key has been opened (segments), bounded. */
  private readonly segments = new Map<string, number>();
  /** Subagent lineage that arrived before the child's session existed. */
  private readonly pendingLineage = new Map<string, { parentKey?: string; toolCallId?: string; parentRunId?: string }>();
  /** subagent_spawned names the child's run before any hook of that run arrives. */
  private readonly spawnedRuns = new Map<string, string>();
  private earliest = Infinity;
  private nextSweep = 0;

  constructor(opts: EngineOptions) {
    this.cfg = opts.correlation;
    this.capture = opts.capture;
    this.ids = opts.ids;
    this.out = opts.output;
    this.defer = opts.defer ?? ((work) => work());
  }

  // ---- input -------------------------------------------------------------------------

  handle(ev: HookEvent): void {
    this.counters.events++;
    switch (ev.type) {
      case 'gateway_start':
        return;
      case 'gateway_stop':
        return this.closeAll(ev.at, ev.reason ?? 'gateway_stop');
      case 'session_start': {
        const s = this.sessionFor(ev, 'session_start');
        if (s && s.session.openedBy !== 'session_start' && s.runs.size === 0 && s.session.runs.length === 0) {
          s.session.openedBy = 'session_start';
          s.session.startTime = ev.at;
        }
        return;
      }
      case 'session_end': {
        const key = ev.sessionKey ?? (ev.sessionId ? this.keyBySessionId.get(ev.sessionId) : undefined);
        const s = key ? this.sessions.get(key) : undefined;
        if (!s) return void this.counters.unattributed++;
        return this.closeSession(s, ev.at, ev.reason ?? 'session_end');
      }
      case 'run_hook':
      case 'llm_input':
      case 'model_call_started':
      case 'model_call_ended':
      case 'tool_start':
      case 'tool_end':
      case 'agent_end':
      case 'llm_output':
        return this.onRunEvent(ev);
      case 'message_write':
        return this.onMessage(ev.message, ev);
      case 'tool_persist':
        return; // the same toolResult arrives again through before_message_write
      case 'compaction': {
        const s = this.sessionFor(ev, 'compaction');
        if (!s) return;
        if (ev.phase === 'after') {
          this.mark(s.session.marks, ev.at, 'context.compaction', 'info', 'OpenClaw compacted the conversation history', {
            ...(ev.messageCount !== undefined ? { messageCount: ev.messageCount } : {}),
            ...(ev.compactedCount !== undefined ? { compactedCount: ev.compactedCount } : {}),
            ...(ev.tokenCount !== undefined ? { tokenCount: ev.tokenCount } : {}),
            ...(ev.runId ? { runId: ev.runId } : {}),
          });
        }
        return;
      }
      case 'subagent_spawned':
        if (ev.childRunId) {
          this.spawnedRuns.set(ev.childRunId, ev.childSessionKey);
          if (this.spawnedRuns.size > 4096) this.spawnedRuns.delete(this.spawnedRuns.keys().next().value as string);
        }
        return this.onSubagentSpawned(ev.childSessionKey, ev.at, ev.requesterSessionKey, ev.agentId);
      case 'subagent_target':
        return this.link(ev.childSessionKey, ev.requesterSessionKey, undefined, ev.at);
      case 'subagent_ended': {
        const child = this.sessions.get(ev.childSessionKey);
        if (!child) return;
        if (ev.outcome && ev.outcome !== 'ok') {
          this.mark(child.session.marks, ev.at, 'subagent.ended', ev.outcome === 'error' ? 'error' : 'warning',
            // Payload text: through the capture policy like every other exported text (secrets).
            this.capture.clean(`subagent ended: ${ev.outcome}${ev.error ? `: ${ev.error}` : ''}`), { reason: ev.reason ?? '' });
        }
        return this.closeSession(child, ev.endedAt ?? ev.at, ev.reason ?? 'subagent_ended');
      }
    }
  }

  /** Finalizes runs whose grace window ended and expires idle records. */
  advance(now: number): void {
    if (now >= this.earliest) {
      this.earliest = Infinity;
      for (const rs of [...this.finalizing]) {
        if (rs.finalizeAt !== undefined && rs.finalizeAt <= now) this.finalize(rs, now);
        else if (rs.finalizeAt !== undefined) this.earliest = Math.min(this.earliest, rs.finalizeAt);
      }
    }
    if (now >= this.nextSweep) this.sweep(now);
  }

  nextDeadline(): number {
    // Before the first sweep (nextSweep 0) one is due as soon as anything is held: otherwise
    // a stream in which no run ever reaches its grace window would never expire anything.
    const sweep = this.nextSweep || (this.sessions.size > 0 ? 0 : Infinity);
    return Math.min(this.earliest, sweep);
  }

  /** Closes every open session (gateway_stop, process exit). */
  closeAll(at: number, reason: string): void {
    // Children first, so a root's final export already holds them closed.
    const open = [...this.sessions.values()].sort((a, b) => Number(!!b.session.parent) - Number(!!a.session.parent));
    for (const s of open) this.closeSession(s, at, reason);
  }

  get captureCounters(): { truncated: number; secretsMasked: number } {
    return this.capture.counters;
  }

  get openSessions(): number {
    return this.sessions.size;
  }

  get openRuns(): number {
    return this.runs.size;
  }

  /** Buffered records waiting for a partner event. */
  get bufferedRecords(): number {
    let n = this.pendingLineage.size;
    for (const rs of this.runs.values()) n += rs.pendingTools.length + rs.pendingOutputs.length;
    for (const s of this.sessions.values()) n += s.pendingUser.length;
    return n;
  }

  // ---- identity view (for the Dynamo provider) ------------------------------------------

  bySessionKey(sessionKey: string): SessionIdentity | undefined {
    const s = this.sessions.get(sessionKey);
    return s ? identityOf(s.session) : undefined;
  }

  /** The session a run belongs to; a provider call can arrive before the run's first hook. */
  byRunId(runId: string): SessionIdentity | undefined {
    const open = this.runs.get(runId);
    if (open) return identityOf(open.session.session);
    const key = this.spawnedRuns.get(runId);
    return key ? this.bySessionKey(key) : undefined;
  }

  bySessionId(sessionId: string): SessionIdentity | undefined {
    const key = this.keyBySessionId.get(sessionId);
    return key ? this.bySessionKey(key) : undefined;
  }

  // ---- sessions --------------------------------------------------------------------------

  private sessionFor(ev: { sessionKey?: string; sessionId?: string; agentId?: string; at: number }, openedBy: string): SessionState | undefined {
    let key = ev.sessionKey;
    if (!key && ev.sessionId) key = this.keyBySessionId.get(ev.sessionId) ?? `session:${ev.sessionId}`;
    if (!key) {
      this.counters.unattributed++;
      return undefined;
    }
    let s = this.sessions.get(key);
    if (s) {
      this.sessions.delete(key);
      this.sessions.set(key, s);
    } else {
      s = this.openSession(key, ev.at, openedBy);
    }
    s.lastActivity = ev.at;
    if (ev.sessionId && !s.session.sessionId) {
      s.session.sessionId = ev.sessionId;
      this.keyBySessionId.set(ev.sessionId, key);
    }
    if (ev.agentId && !s.session.agentId) s.session.agentId = ev.agentId;
    return s;
  }

  private openSession(key: string, at: number, openedBy: string): SessionState {
    if (this.sessions.size >= this.cfg.maxOpenSessions) {
      const oldest = this.sessions.values().next().value as SessionState;
      this.counters.sessionsEvicted++;
      this.mark(oldest.session.marks, at, 'session.evicted', 'warning',
        `closed early: more than ${this.cfg.maxOpenSessions} open sessions (correlation.maxOpenSessions)`);
      this.closeSession(oldest, at, 'evicted');
    }
    const segment = (this.segments.get(key) ?? 0) + 1;
    this.segments.delete(key);
    this.segments.set(key, segment);
    if (this.segments.size > 4 * this.cfg.maxOpenSessions) this.segments.delete(this.segments.keys().next().value as string);
    const session: Session = {
      kind: 'session',
      traceId: this.ids.traceId(),
      spanId: this.ids.spanId(),
      sessionKey: key,
      startTime: at,
      openedBy,
      segment,
      children: [],
      runs: [],
      tools: [],
      marks: [],
      closed: false,
    };
    const state: SessionState = { session, runs: new Map(), pendingUser: [], lastActivity: at };
    this.sessions.set(key, state);
    this.counters.sessionsOpened++;
    const lineage = this.pendingLineage.get(key);
    if (lineage?.parentKey) {
      this.pendingLineage.delete(key);
      this.link(key, lineage.parentKey, lineage.toolCallId, at, lineage.parentRunId);
    }
    return state;
  }

  private closeSession(s: SessionState, at: number, reason: string): void {
    if (s.session.closed) return;
    // Open children close with their parent: nothing is left dangling in memory.
    for (const child of s.session.children) {
      const cs = this.sessions.get(child.sessionKey);
      if (cs && cs.session === child) this.closeSession(cs, at, `parent_${reason}`);
    }
    for (const rs of [...s.runs.values()]) this.finalize(rs, at);
    // A late llm_output can only reach what is still exported later: nothing, once the
    // session is closed. Its finished runs (whole conversations each) need not stay around.
    for (const [runId, r] of this.recent) if (r?.session === s) this.recent.set(runId, null);
    for (const u of s.pendingUser) {
      this.mark(s.session.marks, u.at, 'message.unpaired_user', 'warning', 'a user message was written but no run followed it');
    }
    s.pendingUser.length = 0;
    s.session.closed = true;
    s.session.endTime = at;
    s.session.endReason = reason;
    if (this.sessions.get(s.session.sessionKey) === s) this.sessions.delete(s.session.sessionKey);
    if (s.session.sessionId && this.keyBySessionId.get(s.session.sessionId) === s.session.sessionKey) {
      this.keyBySessionId.delete(s.session.sessionId);
    }
    this.counters.sessionsClosed++;
    // Deferred like its runs' finalization, so the outputs see the runs end before the session.
    this.defer(() => this.out.sessionEnded(s.session));
  }

  // ---- subagent lineage ------------------------------------------------------------------

  private onSubagentSpawned(childKey: string, at: number, requesterKey: string | undefined, agentId: string | undefined): void {
    let parentKey = requesterKey;
    let toolCallId: string | undefined;
    let parentRunId: string | undefined;
    // subagent_spawned fires inside the parent's sessions_spawn tool call: find that call.
    const spawning: { key: string; tool: ToolSpan; runId: string }[] = [];
    for (const rs of this.runs.values()) {
      for (const t of rs.tools.values()) {
        if (t.name === SPAWN_TOOL && t.endTime === undefined && !t.childSessionKey) {
          spawning.push({ key: rs.session.session.sessionKey, tool: t, runId: rs.run.runId });
        }
      }
    }
    const candidates = parentKey ? spawning.filter((c) => c.key === parentKey) : spawning;
    const pick = candidates[candidates.length - 1];
    if (pick) {
      parentKey = pick.key;
      toolCallId = pick.tool.toolCallId;
      parentRunId = pick.runId;
      pick.tool.childSessionKey = childKey;
      if (candidates.length > 1) {
        this.mark(pick.tool.marks, at, 'subagent.ambiguous_parent', 'warning',
          `${candidates.length} sessions_spawn calls were in flight; linked ${childKey} to the latest`);
      }
    }
    if (!parentKey) {
      // subagent_delivery_target names the requester later; remember the child until then.
      this.pendingLineage.set(childKey, {});
      this.trimLineage();
    }
    const child = this.sessions.get(childKey) ?? this.openSession(childKey, at, 'subagent_spawned');
    if (agentId && !child.session.agentId) child.session.agentId = agentId;
    if (parentKey) this.link(childKey, parentKey, toolCallId, at, parentRunId);
  }

  private link(childKey: string, parentKey: string, toolCallId: string | undefined, at: number, parentRunId?: string): void {
    if (childKey === parentKey) return;
    const child = this.sessions.get(childKey);
    const parent = this.sessions.get(parentKey);
    if (!child) {
      this.pendingLineage.set(childKey, { parentKey, toolCallId, parentRunId });
      this.trimLineage();
      return;
    }
    this.pendingLineage.delete(childKey);
    if (!parent) {
      this.mark(child.session.marks, at, 'subagent.parent_unknown', 'warning', `parent session ${parentKey} is not open`);
      return;
    }
    const c = child.session;
    if (c.parentSession === parent.session) {
      if (toolCallId && !c.parent?.toolCallId && c.parent) c.parent.toolCallId = toolCallId;
      return;
    }
    // A cycle would make rootOf() loop and the ATIF tree infinite.
    for (let p: Session | undefined = parent.session; p; p = p.parentSession) if (p === c) return;
    if (c.parentSession) {
      const siblings = c.parentSession.children;
      const i = siblings.indexOf(c);
      if (i >= 0) siblings.splice(i, 1);
      this.mark(c.marks, at, 'subagent.relinked', 'warning', `parent changed to ${parentKey}`);
    }
    const runId = parentRunId ?? parent.active?.run.runId;
    c.parent = { sessionKey: parentKey, ...(runId ? { runId } : {}), ...(toolCallId ? { toolCallId } : {}) };
    c.parentSession = parent.session;
    c.traceId = parent.session.traceId;
    parent.session.children.push(c);
  }

  private trimLineage(): void {
    while (this.pendingLineage.size > this.cfg.maxRecordsPerKey * 64) {
      this.pendingLineage.delete(this.pendingLineage.keys().next().value as string);
      this.counters.recordsDropped++;
    }
  }

  // ---- runs ------------------------------------------------------------------------------

  private runFor(ev: HookEvent & { runId?: string }, openedBy: string): RunState | undefined {
    const runId = ev.runId;
    if (runId) {
      const open = this.runs.get(runId);
      if (open) {
        this.runs.delete(runId);
        this.runs.set(runId, open);
        open.lastActivity = ev.at;
        open.session.lastActivity = ev.at;
        // keep the session's LRU position fresh
        this.sessions.delete(open.session.session.sessionKey);
        this.sessions.set(open.session.session.sessionKey, open.session);
        return open;
      }
      if (this.recent.has(runId)) {
        this.counters.lateEvents++;
        return undefined;
      }
    }
    const s = this.sessionFor(ev, openedBy);
    if (!s) return undefined;
    if (!runId) return s.active;
    return this.openRun(s, runId, ev.at);
  }

  private openRun(s: SessionState, runId: string, at: number): RunState {
    if (s.runs.size >= this.cfg.maxRecordsPerKey) {
      // A session runs one turn at a time (plus an announce run); dozens of open runs mean
      // their ends were never delivered. The oldest is exported with what is known, counted.
      const oldest = s.runs.values().next().value as RunState;
      this.counters.recordsDropped++;
      this.mark(oldest.run.marks, at, 'run.evicted', 'warning',
        `closed early: more than ${this.cfg.maxRecordsPerKey} open runs in this session (correlation.maxRecordsPerKey)`);
      this.finalize(oldest, at);
    }
    const run: Run = {
      kind: 'run',
      spanId: this.ids.spanId(),
      runId,
      startTime: at,
      status: 'ok',
      llmCalls: [],
      orphanTools: [],
      sawLlmInput: false,
      marks: [],
    };
    if (runId.startsWith('announce:')) run.trigger = 'announce';
    const rs: RunState = {
      run,
      session: s,
      calls: new Map(),
      owner: new Map(),
      tools: new Map(),
      pendingTools: [],
      pendingOutputs: [],
      transcript: [],
      inputCount: new Map(),
      written: new Set(),
      agentEnded: false,
      sawLlmOutput: false,
      sawFinalAnswer: false,
      lastActivity: at,
    };
    if (s.active && !s.active.agentEnded) {
      this.mark(run.marks, at, 'run.overlap', 'warning',
        `run ${s.active.run.runId} of this session had not ended; messages without a runId go to the newest run`);
    }
    s.runs.set(runId, rs);
    s.active = rs;
    s.session.runs.push(run);
    this.runs.set(runId, rs);
    this.counters.runs++;
    // A user message written before the run's first hook is this run's prompt.
    const user = s.pendingUser.shift();
    if (user) rs.userMessage = user.message;
    return rs;
  }

  private onRunEvent(ev: Extract<HookEvent, { type: 'run_hook' | 'llm_input' | 'model_call_started' | 'model_call_ended' | 'tool_start' | 'tool_end' | 'agent_end' | 'llm_output' }>): void {
    if (ev.type === 'llm_output' && ev.runId && this.recent.has(ev.runId)) {
      // The normal case when the grace window was too short: reconcile against the exported run.
      const rs = this.recent.get(ev.runId);
      this.counters.lateEvents++;
      if (!rs) return; // its session is closed: nothing exported later could show it
      rs.run.reportedUsage = usageFrom(ev.usage);
      this.mark(rs.run.marks, ev.at, 'llm_output.late', 'info', 'llm_output arrived after the run was exported (correlation.llmOutputGraceMs)');
      return;
    }
    // llm_output only closes a run (it comes after agent_end): it never opens one, or a late
    // one would become a phantom run holding nothing but usage.
    if (ev.type === 'llm_output' && ev.runId && !this.runs.has(ev.runId)) {
      this.counters.lateEvents++;
      return;
    }
    const rs = this.runFor(ev, ev.type);
    if (!rs) {
      if (!ev.runId) this.counters.unattributed++;
      return;
    }
    const run = rs.run;
    switch (ev.type) {
      case 'run_hook':
        if (ev.trigger && !run.trigger) run.trigger = ev.trigger;
        return;
      case 'llm_input':
        run.sawLlmInput = true;
        run.prompt = ev.prompt;
        run.systemPrompt = ev.systemPrompt;
        run.provider = ev.provider ?? run.provider;
        run.model = ev.model ?? run.model;
        rs.history = ev.history;
        if (ev.tools) rs.session.session.tools = toolDefinitions(ev.tools, rs.session.session.tools);
        return;
      case 'model_call_started':
      case 'model_call_ended':
        return this.onModelCall(rs, ev);
      case 'tool_start':
      case 'tool_end':
        return this.onTool(rs, ev);
      case 'agent_end':
        rs.agentEnded = true;
        run.endTime = ev.at;
        run.durationMs = ev.durationMs;
        run.success = ev.success;
        if (ev.error) run.error = ev.error;
        if (ev.success === false) run.status = 'error';
        return this.scheduleFinalize(rs, ev.at);
      case 'llm_output':
        rs.sawLlmOutput = true;
        run.reportedUsage = usageFrom(ev.usage);
        if (rs.agentEnded) this.scheduleFinalize(rs, ev.at);
        return;
    }
  }

  private onModelCall(rs: RunState, ev: Extract<HookEvent, { type: 'model_call_started' | 'model_call_ended' }>): void {
    let call = rs.calls.get(ev.callId);
    if (ev.type === 'model_call_started') {
      if (call?.startTime !== undefined) return void this.counters.duplicates++;
      call ??= this.newCall(rs, ev.callId);
      call.startTime = ev.at;
    } else {
      if (call?.endTime !== undefined) return void this.counters.duplicates++;
      if (!call) {
        call = this.newCall(rs, ev.callId);
        if (ev.durationMs !== undefined) {
          call.startTime = ev.at - ev.durationMs;
          this.mark(call.marks, ev.at, 'llm.start_derived', 'warning',
            'model_call_started was not seen; start = model_call_ended arrival - OpenClaw durationMs');
        } else {
          this.mark(call.marks, ev.at, 'llm.start_unknown', 'warning', 'model_call_started was not seen and no duration was reported');
        }
      }
      call.endTime = ev.at;
      call.durationMs = ev.durationMs;
      call.outcome = ev.outcome;
      call.timeToFirstByteMs = ev.timeToFirstByteMs;
      call.requestPayloadBytes = ev.requestPayloadBytes;
      call.responseStreamBytes = ev.responseStreamBytes;
      if (ev.outcome && ev.outcome !== 'completed') {
        call.status = 'error';
        call.error ??= ev.error ?? (ev.failureKind ? `model call ${ev.outcome}: ${ev.failureKind}` : `model call ${ev.outcome}`);
      }
    }
    call.provider ??= ev.provider;
    call.model ??= ev.model;
    call.api ??= ev.api;
    call.transport ??= ev.transport;
    // An assistant message that came before its call's hooks can pair now.
    if (!call.output && rs.pendingOutputs.length > 0 && this.oldestOpenCall(rs) === call) {
      const pending = rs.pendingOutputs.shift()!;
      this.applyOutput(rs, call, pending.message, pending.at);
      this.mark(call.marks, ev.at, 'llm.output_before_timing', 'info', 'the assistant message arrived before this call\'s model_call hooks');
    }
  }

  private newCall(rs: RunState, callId: string): LlmCall {
    const n = Number(/:model:(\d+)$/.exec(callId)?.[1]);
    const call: LlmCall = {
      kind: 'llm',
      spanId: this.ids.spanId(),
      callId,
      index: Number.isFinite(n) ? n : rs.calls.size + 1,
      runId: rs.run.runId,
      input: [],
      status: 'ok',
      tools: [],
      marks: [],
    };
    rs.calls.set(callId, call);
    rs.run.llmCalls.push(call);
    // Hooks of one run arrive in order; sort only if one came out of order.
    const list = rs.run.llmCalls;
    if (list.length > 1 && list[list.length - 2]!.index > call.index) list.sort((a, b) => a.index - b.index);
    rs.inputCount.set(call, rs.transcript.length);
    this.counters.llmSpans++;
    // A new call means the previous answer was not final after all.
    rs.sawFinalAnswer = false;
    if (rs.finalizeAt !== undefined && !rs.agentEnded) {
      rs.finalizeAt = undefined;
      this.finalizing.delete(rs);
    }
    return call;
  }

  private oldestOpenCall(rs: RunState): LlmCall | undefined {
    for (const c of rs.run.llmCalls) if (!c.output && c.status !== 'error') return c;
    return undefined;
  }

  // ---- messages --------------------------------------------------------------------------

  private onMessage(m: MessageIn, ev: { at: number; sessionKey?: string; sessionId?: string; agentId?: string }): void {
    const s = this.sessionFor(ev, 'before_message_write');
    if (!s) return;
    const rs = s.active && this.runs.get(s.active.run.runId) === s.active ? s.active : undefined;
    if (m.role === 'user') {
      if (rs && !rs.userMessage && rs.run.llmCalls.length === 0) rs.userMessage = m;
      else if (pushCapped(s.pendingUser, { message: m, at: ev.at }, this.cfg.maxRecordsPerKey)) this.counters.recordsDropped++;
      return;
    }
    if (!rs) {
      // Outside any run (e.g. a message injected by a command): nothing to attach it to.
      this.counters.unattributed++;
      return;
    }
    rs.lastActivity = ev.at;
    // The same message delivered twice (two plugin instances, a retried write) is one message.
    if (m.timestamp !== undefined) {
      const fp = `${m.role}|${m.timestamp}|${m.responseId ?? m.toolCallId ?? ''}`;
      if (rs.written.has(fp)) return void this.counters.duplicates++;
      rs.written.add(fp);
    }
    if (m.role === 'assistant') {
      const call = this.oldestOpenCall(rs);
      if (!call) {
        if (pushCapped(rs.pendingOutputs, { message: m, at: ev.at }, this.cfg.maxRecordsPerKey)) this.counters.recordsDropped++;
        return;
      }
      this.applyOutput(rs, call, m, ev.at);
      return;
    }
    if (m.role === 'toolResult' || m.role === 'tool') {
      rs.transcript.push(m);
      const tool = m.toolCallId ? rs.tools.get(m.toolCallId) : undefined;
      // after_tool_call normally brings the result; a synthetic or blocked result comes only here.
      if (tool && tool.result === undefined && tool.endTime === undefined && m.isError) {
        tool.status = 'error';
        tool.error ??= resultText(m.content) ?? 'tool failed';
      }
      return;
    }
    rs.transcript.push(m);
  }

  private applyOutput(rs: RunState, call: LlmCall, m: MessageIn, at: number): void {
    const parts = splitContent(m.content);
    call.output = { role: 'assistant', content: parts.text, ...(parts.toolCalls.length ? { toolCalls: parts.toolCalls } : {}) };
    if (parts.reasoning) call.reasoning = parts.reasoning;
    call.usage = usageFrom(m.usage);
    call.stopReason = m.stopReason;
    call.responseId = m.responseId;
    call.provider ??= m.provider;
    call.model ??= m.model;
    rs.session.session.provider = call.provider ?? rs.session.session.provider;
    rs.session.session.model = call.model ?? rs.session.session.model;
    if (m.stopReason === 'error' || m.errorMessage) {
      call.status = 'error';
      call.error ??= m.errorMessage ?? 'the model call failed';
    }
    rs.transcript.push(m);
    for (const tc of parts.toolCalls) {
      rs.owner.set(tc.id, call);
      // Some transports sanitize ids in the transcript (`call_1_0` in hooks, `call10` here).
      rs.owner.set(looseId(tc.id), call);
      // A tool that started before this message named it (out of order) moves under its call.
      const i = rs.pendingTools.findIndex((t) => t.toolCallId === tc.id || looseId(t.toolCallId) === looseId(tc.id));
      if (i >= 0) {
        const [tool] = rs.pendingTools.splice(i, 1);
        tool!.llmCallId = call.callId;
        call.tools.push(tool!);
      }
    }
    if (m.stopReason && m.stopReason !== 'toolUse' && parts.toolCalls.length === 0) {
      rs.sawFinalAnswer = true;
      // Without conversation access no agent_end comes: the final answer closes the run.
      if (!rs.run.sawLlmInput && !rs.agentEnded) this.scheduleFinalize(rs, at);
    }
  }

  // ---- tools -----------------------------------------------------------------------------

  private onTool(rs: RunState, ev: Extract<HookEvent, { type: 'tool_start' | 'tool_end' }>): void {
    const id = ev.toolCallId ?? `${ev.toolName}@${ev.at}`;
    let tool = rs.tools.get(id);
    if (ev.type === 'tool_start') {
      if (tool) return void this.counters.duplicates++;
      tool = this.newTool(rs, id, ev.toolName);
      tool.startTime = ev.at;
      tool.arguments = ev.params;
      if (!ev.toolCallId) this.mark(tool.marks, ev.at, 'tool.no_call_id', 'warning', 'before_tool_call had no toolCallId');
      return;
    }
    if (tool?.endTime !== undefined) return void this.counters.duplicates++;
    if (!tool) {
      tool = this.newTool(rs, id, ev.toolName);
      tool.arguments = ev.params;
      if (ev.durationMs !== undefined) {
        tool.startTime = ev.at - ev.durationMs;
        this.mark(tool.marks, ev.at, 'tool.start_derived', 'warning',
          'before_tool_call was not seen; start = after_tool_call arrival - OpenClaw durationMs');
      }
    }
    tool.endTime = ev.at;
    tool.durationMs = ev.durationMs;
    tool.result = ev.result as string | undefined; // raw; finalize turns it into captured text
    if (ev.error) {
      tool.status = 'error';
      tool.error = ev.error;
      if (/\bblocked\b/i.test(ev.error)) {
        this.mark(tool.marks, ev.at, 'tool.blocked', 'warning', this.capture.clean(`tool call blocked: ${ev.error}`));
      }
    }
    if (ev.toolName === SPAWN_TOOL && !tool.childSessionKey) {
      const child = findSubagentKey(ev.result);
      if (child) {
        tool.childSessionKey = child;
        this.link(child, rs.session.session.sessionKey, tool.toolCallId, ev.at, rs.run.runId);
      }
    }
  }

  private newTool(rs: RunState, id: string, name: string): ToolSpan {
    const tool: ToolSpan = { kind: 'tool', spanId: this.ids.spanId(), toolCallId: id, name, status: 'ok', marks: [] };
    rs.tools.set(id, tool);
    this.counters.toolSpans++;
    const owner = rs.owner.get(id) ?? rs.owner.get(looseId(id));
    if (owner) {
      tool.llmCallId = owner.callId;
      owner.tools.push(tool);
    } else {
      rs.pendingTools.push(tool);
      if (rs.pendingTools.length > this.cfg.maxRecordsPerKey) {
        // Over the cap the oldest unplaced tool stops waiting for its asking call: it stays in
        // the run as an orphan, so the tool call itself is never lost.
        const oldest = rs.pendingTools.shift()!;
        this.mark(oldest.marks, oldest.startTime ?? oldest.endTime ?? 0, 'tool.no_owner', 'warning',
          'gave up waiting for the assistant message that asked for this tool (correlation.maxRecordsPerKey)');
        rs.run.orphanTools.push(oldest);
        this.counters.recordsDropped++;
      }
    }
    return tool;
  }

  // ---- finishing ---------------------------------------------------------------------------

  private scheduleFinalize(rs: RunState, at: number): void {
    // finalize() itself pairs leftover assistant messages, which can land here: a run that
    // is already finished must not go back into `finalizing` (it would stay there for good).
    if (this.runs.get(rs.run.runId) !== rs) return;
    // Both ends seen: due now, but finalized by the next advance(), not inside this event's
    // handling: finalizing applies the capture policy (a secret scan of the whole run, system
    // prompt included, hundreds of µs) and that does not belong on a hook handler's clock.
    rs.finalizeAt = rs.agentEnded && rs.sawLlmOutput ? at : at + this.cfg.llmOutputGraceMs;
    this.finalizing.add(rs);
    if (rs.finalizeAt < this.earliest) this.earliest = rs.finalizeAt;
  }

  private finalize(rs: RunState, at: number): void {
    if (!this.runs.has(rs.run.runId) || this.runs.get(rs.run.runId) !== rs) return;
    this.runs.delete(rs.run.runId);
    this.finalizing.delete(rs);
    rs.finalizeAt = undefined;
    const s = rs.session;
    s.runs.delete(rs.run.runId);
    if (s.active === rs) s.active = [...s.runs.values()].pop();
    this.recent.set(rs.run.runId, rs);
    if (this.recent.size > RECENT_RUNS) this.recent.delete(this.recent.keys().next().value as string);
    // Assistant messages no call could take are still LLM calls that happened: keep them, flagged.
    let k = 0;
    for (const p of rs.pendingOutputs.splice(0)) {
      const call = this.newCall(rs, `${rs.run.runId}:unpaired:${++k}`);
      this.applyOutput(rs, call, p.message, p.at);
    }
    this.defer(() => {
      finalizeRun(rs, at, this.capture, (list, time, name, severity, message, attrs) => this.mark(list, time, name, severity, message, attrs));
      this.out.runEnded(s.session, rs.run);
    });
  }

  /** Expires idle runs (recordTtlMs) and idle sessions (sessionIdleMs). */
  private sweep(now: number): void {
    this.nextSweep = now + Math.max(50, Math.min(this.cfg.recordTtlMs, this.cfg.sessionIdleMs, 60_000) / 4);
    for (const rs of [...this.runs.values()]) {
      const idle = now - rs.lastActivity;
      if (idle < this.cfg.recordTtlMs) break;
      // A slow model call or tool legitimately keeps a run quiet; give it longer.
      if (inFlight(rs) && idle < this.cfg.recordTtlMs * 6) continue;
      this.counters.recordsExpired++;
      this.mark(rs.run.marks, now, 'run.expired', 'warning',
        `no event for ${this.cfg.recordTtlMs} ms (correlation.recordTtlMs); exported with what was known`);
      this.finalize(rs, now);
    }
    for (const s of this.sessions.values()) {
      if (now - s.lastActivity < this.cfg.sessionIdleMs) break;
      if (s.runs.size > 0) continue;
      this.closeSession(s, now, 'idle');
    }
    for (const s of this.sessions.values()) {
      if (s.pendingUser.length === 0) continue;
      while (s.pendingUser.length && now - s.pendingUser[0]!.at >= this.cfg.recordTtlMs) {
        s.pendingUser.shift();
        this.counters.recordsExpired++;
      }
    }
  }

  mark(list: Mark[], time: number, name: string, severity: MarkSeverity, message: string, attributes?: Mark['attributes']): void {
    list.push({ name, time, severity, message, ...(attributes ? { attributes } : {}) });
    this.counters.marks++;
  }
}

function looseId(id: string): string {
  return id.replace(/[^A-Za-z0-9]/g, '');
}

function inFlight(rs: RunState): boolean {
  const last = rs.run.llmCalls[rs.run.llmCalls.length - 1];
  if (last && last.startTime !== undefined && last.endTime === undefined) return true;
  for (const t of rs.tools.values()) if (t.endTime === undefined) return true;
  return false;
}

function identityOf(s: Session): SessionIdentity {
  return {
    sessionKey: s.sessionKey,
    ...(s.sessionId ? { sessionId: s.sessionId } : {}),
    ...(s.agentId ? { agentId: s.agentId } : {}),
    traceId: s.traceId,
    ...(s.parent ? { parentSessionKey: s.parent.sessionKey } : {}),
    ...(s.parentSession?.sessionId ? { parentSessionId: s.parentSession.sessionId } : {}),
    isSubagent: !!s.parent || SUBAGENT_KEY.test(s.sessionKey),
  };
}

function toolDefinitions(tools: unknown[], previous: Session['tools']): Session['tools'] {
  // The tool list is the same object shape every run; rebuild only when its size changed.
  if (previous.length === tools.length && previous.length > 0) return previous;
  const out: Session['tools'] = [];
  for (const t of tools) {
    if (typeof t !== 'object' || t === null) continue;
    const o = t as Record<string, unknown>;
    if (typeof o.name !== 'string') continue;
    out.push({
      name: o.name,
      ...(typeof o.description === 'string' ? { description: o.description } : {}),
      ...(o.parameters !== undefined ? { parameters: o.parameters } : {}),
    });
  }
  return out;
}

/** sessions_spawn returns the child's session key somewhere in its result. */
function findSubagentKey(result: unknown, depth = 0): string | undefined {
  if (typeof result === 'string') return /agent:[^\s"']+:subagent:[0-9a-f-]{8,}/i.exec(result)?.[0];
  if (depth > 4 || typeof result !== 'object' || result === null) return undefined;
  const o = result as Record<string, unknown>;
  if (typeof o.childSessionKey === 'string') return o.childSessionKey;
  for (const v of Object.values(o)) {
    const hit = findSubagentKey(v, depth + 1);
    if (hit) return hit;
  }
  return undefined;
}
