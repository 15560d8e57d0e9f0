// What every hook module shares: the identity fields every event carries, the input a parser
// gets, and what it returns. A hook module exports `hook(name, parse)` definitions that
// src/ingest/hooks/table.ts lists; parseHook, SUBSCRIBED_HOOKS and HookEvent derive from it.

import type { EpochMs } from '../../trace/model.ts';
import type { FieldProblems, Obj } from '../read.ts';
import type { ToolHookEvent } from './tool.ts';

/** W3C trace context of a hook (`ctx.trace`), validated. */
export interface TraceIn {
  traceId: string;
  spanId?: string;
  parentSpanId?: string;
  traceFlags?: string;
}

export interface Base {
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

export interface HookInput {
  hook: string;
  /** The event and ctx objects ({} when the payload was not an object). */
  e: Obj;
  c: Obj;
  bad: FieldProblems;
  /** Identity read from the event, then ctx (already read: its problems come first). */
  base: Base;
  at: EpochMs;
}

export interface Parsed<E> {
  event?: E;
  /** Field problems; when `event` is undefined the payload was rejected. */
  problems: string[];
  /** For before_tool_call / after_tool_call: the tool event, named or not (see ToolHookEvent). */
  tool?: ToolHookEvent;
}

export interface HookDef<N extends string = string, E = unknown> {
  readonly name: N;
  /** OpenClaw withholds it from a non-bundled plugin unless `hooks.allowConversationAccess` is set. */
  readonly gated: boolean;
  /** False for a pseudo-event this plugin feeds itself (not an OpenClaw hook: never subscribed). */
  readonly subscribed: boolean;
  parse(x: HookInput): Parsed<E>;
}

export function hook<N extends string, E>(name: N, parse: (x: HookInput) => Parsed<E>, opts: { gated?: boolean } = {}): HookDef<N, E> {
  return { name, gated: opts.gated ?? false, subscribed: true, parse };
}

/** A pseudo-event: fed through the same ingest path as the hooks, but not an OpenClaw hook. */
export function pseudoHook<N extends string, E>(name: N, parse: (x: HookInput) => Parsed<E>): HookDef<N, E> {
  return { name, gated: false, subscribed: false, parse };
}

export function done<E>(x: HookInput, event: E): Parsed<E> {
  return { event, problems: x.bad.list };
}

export function reject<E = never>(x: HookInput, why: string): Parsed<E> {
  return { problems: [...x.bad.list, why] };
}
