// The trace model: what the correlation engine builds and every exporter reads.
//
// Session ▸ Run ▸ LlmCall ▸ ToolCall, plus Marks at every level. Only src/correlate builds
// these objects; a Run reaches the outputs as a fresh, deeply frozen snapshot (src/finalize).
// Times are epoch milliseconds taken from the hook payloads or from the arrival stamp of the
// hook that observed the moment, never made up: a field is undefined when no hook told us.

export type EpochMs = number;

/** Token usage and cost for one LLM call (or the run total reported by llm_output). */
export interface Usage {
  /** Prompt tokens NOT served from cache, as OpenClaw reports `usage.input`. */
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  total: number;
  /** USD, as OpenClaw's pricing computed it; undefined when OpenClaw gave no cost. */
  cost?: CostBreakdown;
}

export interface CostBreakdown {
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheWrite?: number;
  total: number;
}

/** A tool call the model asked for, as it appeared in the assistant message. */
export interface ToolCallRequest {
  id: string;
  name: string;
  /** Parsed arguments; `CAPTURE_STRIPPED` when the capture policy removed them. */
  arguments: unknown;
}

/** One chat message in the OpenAI-like shape every exporter understands. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  /** Text content; `undefined` when the capture policy removed it. */
  content: string | undefined;
  toolCalls?: ToolCallRequest[];
  /** For role `tool`: the tool call this message answers. */
  toolCallId?: string;
  toolName?: string;
  isError?: boolean;
}

/** Placeholder stored instead of a value that the capture policy removed. */
export const CAPTURE_STRIPPED = '[stripped by nemo-relay capture policy]';

export type MarkSeverity = 'info' | 'warning' | 'error';

/**
 * A point-in-time annotation: lifecycle facts (session started, compaction, blocked tool)
 * and diagnostics (ambiguous pairing, unpaired record, usage mismatch).
 */
export interface Mark {
  /** Stable machine name, e.g. `llm.unpaired_timing`, `tool.blocked`, `usage.mismatch`. */
  name: string;
  time: EpochMs;
  severity: MarkSeverity;
  message: string;
  attributes?: Record<string, string | number | boolean>;
}

export type SpanStatus = 'ok' | 'error' | 'incomplete';

/**
 * Where a run or call sits in the W3C trace OpenClaw propagates (hook `ctx.trace`), set only
 * in `correlation.traceMode: "per_run"`. Exporters put the run's spans in `traceId`; `parentSpanId`
 * is always a span some exporter sends (ours, or OpenClaw's diagnostics-otel exporter's),
 * never an id OpenClaw only keeps in memory.
 */
export interface TracePlacement {
  traceId: string;
  /** The parent span: a run of ours (subagent, announce) or a span of diagnostics-otel. */
  parentSpanId?: string;
  /** The parent belongs to OpenClaw's diagnostics-otel exporter, not to this plugin. */
  parentIsExternal?: boolean;
  /** OpenClaw's own ids for this run or call (its ctx.trace), as attributes. */
  openclawSpanId?: string;
  openclawParentSpanId?: string;
}

export interface ToolSpan {
  readonly kind: 'tool';
  /** Random 16-hex span id, stable for the life of the span; shared by all exporters. */
  spanId: string;
  toolCallId: string;
  name: string;
  /** From before_tool_call (arrival); undefined when only after_tool_call was seen. */
  startTime?: EpochMs;
  /** From after_tool_call (arrival). */
  endTime?: EpochMs;
  /** OpenClaw's own measured duration from after_tool_call. */
  durationMs?: number;
  /** Parsed arguments, or CAPTURE_STRIPPED. */
  arguments?: unknown;
  /** Tool output as text (joined text parts), or CAPTURE_STRIPPED. */
  result?: string;
  /** Error message when the tool failed. */
  error?: string;
  /** OpenClaw did not run the tool: `after_tool_call` said `result.details.status === "blocked"`. */
  blocked?: boolean;
  /** Why it was blocked (`result.details.deniedReason`), through the capture policy. */
  deniedReason?: string;
  status: SpanStatus;
  /** The LLM call whose assistant message requested this tool call, when known. */
  llmCallId?: string;
  /** Set when this tool spawned a subagent (sessions_spawn): the child's session key. */
  childSessionKey?: string;
  marks: Mark[];
}

export interface LlmCall {
  readonly kind: 'llm';
  spanId: string;
  /** OpenClaw's `<runId>:model:<n>`: the exact key of one provider call. */
  callId: string;
  /** 1-based index within the run (the `<n>` of the callId). */
  index: number;
  runId: string;
  provider?: string;
  model?: string;
  api?: string;
  transport?: string;
  /** From model_call_started. */
  startTime?: EpochMs;
  /** From model_call_ended. */
  endTime?: EpochMs;
  durationMs?: number;
  timeToFirstByteMs?: number;
  /** model_call_ended `outcome` ("completed", "error", "aborted", ...). */
  outcome?: string;
  requestPayloadBytes?: number;
  responseStreamBytes?: number;
  /**
   * Per-run trace mode: the call's place in OpenClaw's trace. Unless diagnostics-otel owns
   * the traceparent, `spanId` IS the parent-id of the traceparent OpenClaw sent to the provider.
   */
  trace?: TracePlacement;
  /** The conversation as sent to the model (system prompt first); within capture policy. */
  input: ChatMessage[];
  /**
   * `exact`: `input` is what the provider received (the body a provider of ours saw in its
   * onPayload, or a rebuild proven by OpenClaw's requestPayloadBytes); `reconstructed`: the
   * best rebuild, not proven (a mark says what could not be). Undefined: no hook view at all.
   */
  inputFidelity?: 'exact' | 'reconstructed';
  /**
   * A call another plugin made through `api.runtime.llm` (no hooks, no traceparent): known only
   * from OpenClaw's `model.usage` diagnostic event, so it has usage and timing but no content.
   */
  pluginOriginated?: boolean;
  /** How `exact` was proven (provider payload, or a rebuild's byte length and what it settled). */
  inputProof?: string;
  /** Tool names in the order the provider received them. */
  requestTools?: string[];
  /** OpenClaw's hook view of the same conversation, kept only where it differs from `input`. */
  openclawInput?: ChatMessage[];
  /** The assistant message the call produced, from before_message_write. */
  output?: ChatMessage;
  /** Reasoning/thinking text, when the assistant message carried any. */
  reasoning?: string;
  usage?: Usage;
  stopReason?: string;
  responseId?: string;
  error?: string;
  status: SpanStatus;
  tools: ToolSpan[];
  marks: Mark[];
}

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON schema of the parameters, when OpenClaw gave one. */
  parameters?: unknown;
}

export interface Run {
  readonly kind: 'run';
  spanId: string;
  runId: string;
  /** `user` for a normal turn, `announce` for a subagent result delivered to its parent. */
  trigger?: string;
  startTime?: EpochMs;
  endTime?: EpochMs;
  durationMs?: number;
  /** The user prompt of this run as the model saw it (llm_input.prompt). */
  prompt?: string;
  systemPrompt?: string;
  provider?: string;
  model?: string;
  success?: boolean;
  error?: string;
  status: SpanStatus;
  llmCalls: LlmCall[];
  /** Tool calls that could not be placed under an LLM call of this run. */
  orphanTools: ToolSpan[];
  /** Run total reported by llm_output (arrives after agent_end). */
  reportedUsage?: Usage;
  /** Whether llm_input was seen for this run (it is gated by allowConversationAccess). */
  sawLlmInput: boolean;
  /**
   * OpenClaw's hook view of the system prompt and prompt, kept only where they differ from
   * the text the model saw (`systemPrompt`, `prompt`: the cache-boundary marker stripped, the
   * Runtime block moved into the first user message).
   */
  openclawView?: { systemPrompt?: string; prompt?: string };
  /** Per-run trace mode: the run's place in OpenClaw's trace (undefined: the session's trace). */
  trace?: TracePlacement;
  marks: Mark[];
  /**
   * Set on the summary a session keeps once the run was delivered (finalize/release.ts):
   * prompts, messages and tool payloads are gone; the outputs got the full run at runEnded.
   */
  contentReleased?: boolean;
}

export interface SessionLink {
  sessionKey: string;
  /** The parent's run during which the child was spawned. */
  runId?: string;
  /** The parent's tool call that spawned the child (sessions_spawn). */
  toolCallId?: string;
  /** Span ids of that run and tool call: the parent's run may still be open (not delivered) when the child ends. */
  runSpanId?: string;
  toolSpanId?: string;
  /** The trace that run lives in when it has its own (per-run trace mode). */
  runTraceId?: string;
}

export interface Session {
  readonly kind: 'session';
  /** 32-hex trace id shared by the whole tree of this top-level session. */
  traceId: string;
  spanId: string;
  sessionKey: string;
  /** OpenClaw's sessionId (a UUID); undefined until a hook reveals it. */
  sessionId?: string;
  agentId?: string;
  startTime?: EpochMs;
  endTime?: EpochMs;
  endReason?: string;
  /** How the session was opened: `session_start`, or the first hook that named it. */
  openedBy: string;
  /**
   * 1 for the first life of this session key in this process; 2, 3, ... when the key shows
   * up again after its session was closed (idle expiry, eviction). Writers keep segments apart.
   */
  segment: number;
  parent?: SessionLink;
  /** The parent session object (subagents); set together with `parent`. */
  parentSession?: Session;
  children: Session[];
  runs: Run[];
  tools: ToolDefinition[];
  /** Provider/model of the most recent LLM call. */
  provider?: string;
  model?: string;
  marks: Mark[];
  closed: boolean;
}

/**
 * A correction to a run a sink already received (a late llm_output's run total). The run the
 * sink got stays as it was (it is frozen); `run` is a fresh frozen snapshot with the
 * correction applied, which later deliveries of the session carry in its place.
 */
export interface RunAmendment {
  readonly kind: 'run_amendment';
  reason: 'late_llm_output';
  runId: string;
  /** Span id of the corrected run (the same in `run`). */
  spanId: string;
  reportedUsage?: Usage;
  /** Marks added by the correction (also in `run.marks`). */
  marks: Mark[];
  run: Run;
}

/** The top-level session that owns the tree (and the ATIF file) this session belongs to. */
export function rootOf(session: Session): Session {
  let current = session;
  // Lineage comes from untrusted payloads; a cycle must not hang a hook handler.
  for (let depth = 0; current.parentSession && depth < 64; depth++) current = current.parentSession;
  return current;
}
