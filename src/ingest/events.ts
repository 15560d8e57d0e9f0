// Typed, normalized hook events: the only input of the correlation engine.
//
// Parsing copies references to the fields the engine uses and nothing else, so a handler
// stays O(1) in the payload size. Content (messages, tool params and results) is kept as
// the raw value; the capture policy turns it into text once, when the run is finalized.

import type { EpochMs } from '../trace/model.ts';

export interface UsageIn {
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheWrite?: number;
  total?: number;
  cost?: { input?: number; output?: number; cacheRead?: number; cacheWrite?: number; total?: number };
}

/** The parts of an OpenClaw transcript message that the trace needs. */
export interface MessageIn {
  role: string;
  /** Raw content: a string or OpenClaw content parts. */
  content: unknown;
  toolCallId?: string;
  toolName?: string;
  isError?: boolean;
  usage?: UsageIn;
  stopReason?: string;
  errorMessage?: string;
  responseId?: string;
  provider?: string;
  model?: string;
  timestamp?: number;
}

/** W3C trace context of a hook (`ctx.trace`), validated. */
export interface TraceIn {
  traceId: string;
  spanId?: string;
  parentSpanId?: string;
  traceFlags?: string;
}

interface Base {
  /** Arrival time stamped by the runtime when the hook fired. */
  at: EpochMs;
  sessionKey?: string;
  sessionId?: string;
  agentId?: string;
  runId?: string;
  /** OpenClaw's trace context for the run, call or tool (ctx.trace). */
  trace?: TraceIn;
  /**
   * Present when OpenClaw's diagnostics-otel exporter is active: then the ctx ids are exported
   * by nobody, and `trace` is the same context with the exporter's own ids (the ones it puts in
   * the provider's traceparent); undefined when the exporter could not resolve them.
   */
  exporter?: { trace?: TraceIn };
}

export type HookEvent =
  | (Base & { type: 'gateway_start' })
  | (Base & { type: 'gateway_stop'; reason?: string })
  | (Base & { type: 'session_start'; resumedFrom?: string })
  | (Base & { type: 'session_end'; reason?: string; durationMs?: number })
  | (Base & { type: 'run_hook'; hook: string; trigger?: string })
  | (Base & {
      type: 'llm_input';
      provider?: string;
      model?: string;
      systemPrompt?: string;
      prompt?: string;
      history?: unknown[];
      tools?: unknown[];
    })
  | (Base & { type: 'llm_output'; provider?: string; model?: string; usage?: UsageIn })
  | (Base & {
      type: 'model_call_started';
      callId: string;
      provider?: string;
      model?: string;
      api?: string;
      transport?: string;
    })
  | (Base & {
      type: 'model_call_ended';
      callId: string;
      provider?: string;
      model?: string;
      api?: string;
      transport?: string;
      durationMs?: number;
      outcome?: string;
      error?: string;
      failureKind?: string;
      timeToFirstByteMs?: number;
      requestPayloadBytes?: number;
      responseStreamBytes?: number;
    })
  | (Base & { type: 'message_write'; message: MessageIn })
  | (Base & { type: 'tool_start'; toolCallId?: string; toolName: string; params?: unknown })
  | (Base & {
      type: 'tool_end';
      toolCallId?: string;
      toolName: string;
      params?: unknown;
      result?: unknown;
      error?: string;
      /** The error's own `name` and `code` when it is an object: a class to report where its message cannot go. */
      errorName?: string;
      errorCode?: string;
      durationMs?: number;
      /** OpenClaw's own verdict: `result.details.status === "blocked"` (a policy or hook denied the call). */
      blocked?: boolean;
      /** `result.details.deniedReason` of a blocked call. */
      deniedReason?: string;
    })
  | (Base & { type: 'tool_persist' })
  | (Base & { type: 'provider_request'; callId: string; body: unknown })
  | (Base & {
      type: 'model_usage';
      provider?: string;
      model?: string;
      usage?: UsageIn;
      costUsd?: number;
      durationMs?: number;
      /** OpenClaw's diagnostic trace id of the call (an agent run's model.usage shares its run's). */
      diagnosticTraceId?: string;
    })
  | (Base & { type: 'agent_end'; success?: boolean; error?: string; durationMs?: number })
  | (Base & { type: 'compaction'; phase: 'before' | 'after'; messageCount?: number; compactedCount?: number; tokenCount?: number })
  | (Base & {
      type: 'subagent_spawned';
      childSessionKey: string;
      childRunId?: string;
      requesterSessionKey?: string;
    })
  | (Base & { type: 'subagent_target'; childSessionKey: string; requesterSessionKey: string; childRunId?: string })
  | (Base & { type: 'subagent_ended'; childSessionKey: string; reason?: string; outcome?: string; endedAt?: number; error?: string });

export type HookEventType = HookEvent['type'];

export type ToolStartEvent = Extract<HookEvent, { type: 'tool_start' }>;
export type ToolEndEvent = Extract<HookEvent, { type: 'tool_end' }>;
/**
 * A tool hook as parsed, with or without a tool name: the engine needs the name (a nameless
 * tool hook is rejected for it), the Dynamo tool relay does not.
 */
export type ToolHookEvent = (Omit<ToolStartEvent, 'toolName'> | Omit<ToolEndEvent, 'toolName'>) & { toolName?: string };
