// dynamo.agent.trace.v1 tool records from the parsed before_tool_call / after_tool_call events
// (src/ingest: the same parse the engine gets; a tool without a name still has an event here).
// A terminal record carries its own start, end and duration, so it stands alone when its
// tool_start was dropped. Nothing of the tool's arguments or output goes into a record, only
// the output's size.

import { buildAgentContext, isPlainObject, type AgentContext } from './agent-context.ts';
import type { ToolHookEvent } from '../ingest/events.ts';
import { resolveCaller, type DynamoIdentityView } from './caller.ts';
import type { DynamoEnv } from './env.ts';
import { lruInsert } from '../util/lru.ts';

export const TOOL_RECORD_SCHEMA = 'dynamo.agent.trace.v1';

export type ToolStatus = 'running' | 'succeeded' | 'error' | 'cancelled';

export interface ToolRecord {
  schema: typeof TOOL_RECORD_SCHEMA;
  event_type: 'tool_start' | 'tool_end' | 'tool_error';
  event_time_unix_ms: number;
  event_source: 'harness';
  agent_context: AgentContext;
  tool: {
    tool_call_id: string;
    tool_class: string;
    status: ToolStatus;
    started_at_unix_ms: number;
    ended_at_unix_ms?: number;
    duration_ms?: number;
    output_bytes?: number;
    error_type?: string;
  };
}

export interface ToolRecordCounters {
  /** Tool events whose session could not be named: not sent (Dynamo requires the ids). */
  unattributed: number;
  /** Tool events without a tool call id: not sent (nothing to pair or join on). */
  withoutToolCallId: number;
}

export class ToolRecordBuilder {
  readonly counters: ToolRecordCounters = { unattributed: 0, withoutToolCallId: 0 };
  private readonly starts = new Map<string, number>();
  private readonly env: DynamoEnv;
  private readonly identity: DynamoIdentityView;
  private readonly maxPending: number;

  constructor(params: { env: DynamoEnv; identity: DynamoIdentityView; maxPending?: number }) {
    this.env = params.env;
    this.identity = params.identity;
    this.maxPending = params.maxPending ?? 1024;
  }

  start(event: ToolHookEvent): ToolRecord | undefined {
    const read = this.read(event);
    if (read === undefined) return undefined;
    const time = event.at;
    // A tool whose after_tool_call never comes must not pin memory forever.
    this.starts.delete(read.key);
    lruInsert(this.starts, read.key, time, this.maxPending);
    return {
      schema: TOOL_RECORD_SCHEMA,
      event_type: 'tool_start',
      event_time_unix_ms: time,
      event_source: 'harness',
      agent_context: read.context,
      tool: { tool_call_id: read.toolCallId, tool_class: read.toolName, status: 'running', started_at_unix_ms: time },
    };
  }

  end(event: ToolHookEvent): ToolRecord | undefined {
    if (event.type !== 'tool_end') return undefined;
    const read = this.read(event);
    if (read === undefined) return undefined;
    const ended = event.at;
    const durationMs = event.durationMs !== undefined && event.durationMs >= 0 ? event.durationMs : undefined;
    const remembered = this.starts.get(read.key);
    this.starts.delete(read.key);
    const started = remembered ?? (durationMs !== undefined ? Math.max(0, Math.round(ended - durationMs)) : ended);
    const outcome = classifyOutcome(event);

    const tool: ToolRecord['tool'] = {
      tool_call_id: read.toolCallId,
      tool_class: read.toolName,
      status: outcome.status,
      started_at_unix_ms: started,
      ended_at_unix_ms: ended,
    };
    const duration = durationMs ?? (remembered !== undefined ? ended - remembered : undefined);
    if (duration !== undefined) tool.duration_ms = duration;
    const bytes = outputBytes(event.result);
    if (bytes !== undefined) tool.output_bytes = bytes;
    if (outcome.errorType !== undefined) tool.error_type = outcome.errorType;
    return {
      schema: TOOL_RECORD_SCHEMA,
      event_type: outcome.status === 'succeeded' ? 'tool_end' : 'tool_error',
      event_time_unix_ms: ended,
      event_source: 'harness',
      agent_context: read.context,
      tool,
    };
  }

  pending(): number {
    return this.starts.size;
  }

  private read(event: ToolHookEvent): { key: string; toolCallId: string; toolName: string; context: AgentContext } | undefined {
    const toolCallId = event.toolCallId || undefined;
    if (toolCallId === undefined) {
      this.counters.withoutToolCallId += 1;
      return undefined;
    }
    const caller = resolveCaller(this.env, this.identity, {
      sessionKey: event.sessionKey || undefined,
      sessionId: event.sessionId || undefined,
      runId: event.runId || undefined,
    });
    if (caller === undefined) {
      this.counters.unattributed += 1;
      return undefined;
    }
    return {
      // tool_call_id is unique per trajectory, not globally (Dynamo joins on both).
      key: `${caller.trajectoryId}\u0000${toolCallId}`,
      toolCallId,
      toolName: event.toolName || 'unknown',
      context: buildAgentContext(this.env.sessionTypeId, caller),
    };
  }
}

const CANCELLED = /abort|cancel/i;

/** Only a short class name leaves the process: error messages can carry paths, data or secrets. */
function classifyOutcome(event: Extract<ToolHookEvent, { type: 'tool_end' }>): { status: ToolStatus; errorType?: string } {
  if (event.error !== undefined) {
    const name = event.errorName;
    if ((name !== undefined && CANCELLED.test(name)) || CANCELLED.test(event.error)) return { status: 'cancelled', errorType: 'cancelled' };
    const candidate = name !== undefined && name !== 'Error' ? name : (event.errorCode ?? 'tool_error');
    return { status: 'error', errorType: sanitizeType(candidate) };
  }
  if (isPlainObject(event.result) && event.result['isError'] === true) return { status: 'error', errorType: 'tool_reported_error' };
  return { status: 'succeeded' };
}

function sanitizeType(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 64);
  return cleaned === '' ? 'tool_error' : cleaned;
}

/** Size of what the model gets back: the text parts of an OpenClaw tool result, else its JSON. */
function outputBytes(result: unknown): number | undefined {
  if (result === undefined || result === null) return undefined;
  if (typeof result === 'string') return Buffer.byteLength(result, 'utf8');
  if (isPlainObject(result) && Array.isArray(result['content'])) {
    let bytes = 0;
    for (const part of result['content']) {
      if (isPlainObject(part) && typeof part['text'] === 'string') bytes += Buffer.byteLength(part['text'], 'utf8');
    }
    return bytes;
  }
  try {
    const json = JSON.stringify(result);
    return json === undefined ? undefined : Buffer.byteLength(json, 'utf8');
  } catch {
    return undefined;
  }
}
