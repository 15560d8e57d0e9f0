// Hooks whose only use is to tell the engine a run is alive (and when it started).
import { str } from '../read.ts';
import { done, hook, type Base, type HookInput, type Parsed } from './types.ts';

export type RunHookEvent = Base & { type: 'run_hook'; hook: string; trigger?: string };

const parse = (x: HookInput): Parsed<RunHookEvent> => done(x, { ...x.base, type: 'run_hook', hook: x.hook, trigger: str(x.c, 'trigger', x.bad, 'ctx.trigger') });

export const beforeAgentReply = hook('before_agent_reply', parse, { gated: true });
export const beforeModelResolve = hook('before_model_resolve', parse, { gated: true });
export const agentTurnPrepare = hook('agent_turn_prepare', parse, { gated: true });
export const beforePromptBuild = hook('before_prompt_build', parse, { gated: true });
export const beforeAgentRun = hook('before_agent_run', parse, { gated: true });
export const beforeAgentFinalize = hook('before_agent_finalize', parse, { gated: true });
