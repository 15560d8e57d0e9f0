// The engine's working state around the trace model: what is still open, what waits for a
// partner event, and the deadlines. Kept apart from model.ts because exporters never see it.

import type { ConversationHash } from '../finalize/flattened-history.ts';
import type { MessageIn } from '../ingest/events.ts';
import type { LlmCall, Run, Session, ToolSpan } from '../trace/model.ts';

export interface PendingOutput {
  message: MessageIn;
  at: number;
}

export interface RunState {
  /** The working run until it is delivered; then the frozen snapshot the outputs got. */
  run: Run;
  session: SessionState;
  /** Position among its session's runs in opening order (delivered runs keep it). */
  ordinal: number;
  /** The frozen snapshot delivered to the outputs (set on the lane). */
  delivered?: Run;
  calls: Map<string, LlmCall>;
  /** toolCallId -> the LLM call whose assistant message asked for it. */
  owner: Map<string, LlmCall>;
  tools: Map<string, ToolSpan>;
  /** Tools whose asking assistant message has not arrived yet. */
  pendingTools: ToolSpan[];
  /** Assistant messages that came before any call could take them. */
  pendingOutputs: PendingOutput[];
  /** Transcript of this run after the prompt: assistant messages and tool results, raw. */
  transcript: MessageIn[];
  /** Per call: how much of `transcript` had been written when the call started. */
  inputCount: Map<LlmCall, number>;
  /** Fingerprints of the messages written in this run, to drop duplicate deliveries. */
  written: Set<string>;
  history?: unknown[];
  userMessage?: MessageIn;
  agentEnded: boolean;
  sawLlmOutput: boolean;
  /** The run reached a terminal assistant message (used when agent_end is not delivered). */
  sawFinalAnswer: boolean;
  finalizeAt?: number;
  lastActivity: number;
  /** Final request bodies a provider of ours saw (onPayload), by callId; bounded. */
  requestBodies?: Map<string, unknown>;
  /** OpenClaw's trace id for this run (any hook's ctx.trace), in every trace mode. */
  openclawTraceId?: string;
  /** Per-run trace mode: placed by a run hook's context, or provisionally by a call's. */
  placed?: 'run' | 'call';
}

export interface SessionState {
  session: Session;
  runs: Map<string, RunState>;
  /** This session's finished runs still in the engine's `recent`, by run id: closing the
   * session visits these, not every recent run of every session. */
  recent: Map<string, RunState>;
  /** llm_input's tool list as OpenClaw sent it, when it changed: finalize builds the session's
   * definitions from it, off the hook path (tens of tools, ~30 us at a session's first run). */
  toolsSent?: unknown[];
  /** The newest run not yet finalized: before_message_write carries no runId. */
  active?: RunState;
  /** User messages written before their run's first hook (gateway writes them first). */
  pendingUser: PendingOutput[];
  lastActivity: number;
  /** Runs opened in this session so far. */
  opened: number;
  /** Ordinals of the runs in `session.runs` (delivered snapshots), same order. */
  delivered: number[];
  /**
   * The last system prompt (its textKey) and its captured form: it comes again, tens of kB,
   * with every run of the session, and scrubbing it costs ~150 us each time. `systemSame`:
   * the capture left it as it was, so no copy is kept (`systemCaptured` unset).
   */
  systemKey?: string;
  systemSame?: boolean;
  systemCaptured?: string;
  /** The conversation recorded so far, hashed: recognizes a /v1/chat/completions flattened history. */
  conversation?: ConversationHash;
}

/** Append to a bounded buffer; returns true when the oldest entry had to go. */
export function pushCapped<T>(list: T[], item: T, cap: number): boolean {
  list.push(item);
  if (list.length <= cap) return false;
  list.shift();
  return true;
}
