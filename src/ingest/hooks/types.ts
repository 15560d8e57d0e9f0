// What every hook module shares: the identity fields every event carries, the input a parser
// gets, and what it returns. A hook module exports `hook(name, parse)` definitions that
// src/ingest/hooks/table.ts lists; parseHook, SUBSCRIBED_HOOKS and HookEvent derive from it.

import type { EpochMs } from '../../trace/model.ts';
import type { FieldProblems, Obj } from '../read.ts';
import type { ToolHookEvent } from './tool.ts';

export interface Base {
  /** Arrival time stamped by the runtime when the hook fired. */
  at: EpochMs;
  sessionKey?: string;
  sessionId?: string;
  agentId?: string;
  runId?: string;
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
  parse(x: HookInput): Parsed<E>;
}

export function hook<N extends string, E>(name: N, parse: (x: HookInput) => Parsed<E>, opts: { gated?: boolean } = {}): HookDef<N, E> {
  return { name, gated: opts.gated ?? false, parse };
}

export function done<E>(x: HookInput, event: E): Parsed<E> {
  return { event, problems: x.bad.list };
}

export function reject<E = never>(x: HookInput, why: string): Parsed<E> {
  return { problems: [...x.bad.list, why] };
}
