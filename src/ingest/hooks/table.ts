// Every hook this plugin listens to, in one list: parseHook (parse.ts), SUBSCRIBED_HOOKS and
// CONVERSATION_GATED_HOOKS (hook-names.ts) and the HookEvent union (events.ts) derive from it.
// Adding a hook: its module in this folder, one line here, and its consumer.

import { agentEnd } from './agent-end.ts';
import { afterCompaction, beforeCompaction } from './compaction.ts';
import { gatewayStart, gatewayStop } from './gateway.ts';
import { llmInput, llmOutput } from './llm.ts';
import { beforeMessageWrite } from './message.ts';
import { modelCallEnded, modelCallStarted } from './model-call.ts';
import { modelUsage } from './model-usage.ts';
import { providerRequest } from './provider-request.ts';
import { agentTurnPrepare, beforeAgentFinalize, beforeAgentReply, beforeAgentRun, beforeModelResolve, beforePromptBuild } from './run-hooks.ts';
import { sessionEnd, sessionStart } from './session.ts';
import { subagentDeliveryTarget, subagentEnded, subagentSpawned } from './subagent.ts';
import { afterToolCall, beforeToolCall, toolResultPersist } from './tool.ts';
import type { HookDef } from './types.ts';

export const HOOKS = [
  gatewayStart,
  gatewayStop,
  sessionStart,
  sessionEnd,
  beforeAgentReply,
  beforeModelResolve,
  agentTurnPrepare,
  beforePromptBuild,
  beforeAgentRun,
  llmInput,
  modelCallStarted,
  modelCallEnded,
  beforeMessageWrite,
  beforeToolCall,
  afterToolCall,
  toolResultPersist,
  beforeAgentFinalize,
  agentEnd,
  llmOutput,
  beforeCompaction,
  afterCompaction,
  subagentSpawned,
  subagentDeliveryTarget,
  subagentEnded,
  // Pseudo-events this plugin feeds itself: parsed like hooks, never subscribed.
  providerRequest,
  modelUsage,
] as const;

type Def = (typeof HOOKS)[number];
export type HookName = Def['name'];
/** The OpenClaw hooks in the table (pseudo-events excluded). */
export type SubscribedHookName = Exclude<HookName, (typeof providerRequest | typeof modelUsage)['name']>;
/** Every typed event some hook's parser produces. */
export type EventOf<D> = D extends HookDef<string, infer E> ? E : never;
export type TableEvent = EventOf<Def>;

/** By name; a Map, so `__proto__` or `constructor` is just an unknown hook. */
export const HOOK_BY_NAME: ReadonlyMap<string, HookDef<string, TableEvent>> = new Map(HOOKS.map((d) => [d.name, d as HookDef<string, TableEvent>]));
