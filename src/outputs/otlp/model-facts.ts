// Facts both projections derive from the model the same way, so the gen_ai and the
// OpenInference view of one call (and the ATIF file) agree on them.

import type { LlmCall, Run, Session, ToolDefinition, Usage } from '../../trace/model.ts';
import { sumUsage } from '../../trace/usage.ts';

/**
 * Prompt tokens including cache reads and writes. OpenClaw's `usage.input` excludes cached
 * tokens, while gen_ai `input_tokens`, OpenInference `token_count.prompt` and ATIF
 * `prompt_tokens` all include them (the cache counts are reported as subsets).
 */
export function promptTokens(usage: Usage): number {
  return usage.input + usage.cacheRead + usage.cacheWrite;
}

/** OpenClaw's own total when it gave one, else prompt + completion. */
export function totalTokens(usage: Usage): number {
  return usage.total > 0 ? usage.total : promptTokens(usage) + usage.output;
}

/**
 * The run total: llm_output's report when it came, else the sum over the run's calls, cost
 * included (the one sum of the trace model, shared with the engine's reconciliation).
 */
export function runUsage(run: Run): Usage | undefined {
  if (run.reportedUsage) return run.reportedUsage;
  if (!run.llmCalls.some((c) => c.usage)) return undefined;
  return sumUsage(run.llmCalls);
}

export function toolDefinition(session: Session, name: string): ToolDefinition | undefined {
  return session.tools.find((t) => t.name === name);
}

/** The agent's name as spans show it; OpenClaw agents are named by their id ("main"). */
export function agentName(session: Session): string {
  return session.agentId ?? 'openclaw';
}

/** OpenClaw's session id when a hook revealed it, else the session key (always known). */
export function conversationId(session: Session): string {
  return session.sessionId ?? session.sessionKey;
}

/** The run's final LLM call that produced an output (the answer of the turn). */
export function finalCall(run: Run): LlmCall | undefined {
  for (let i = run.llmCalls.length - 1; i >= 0; i--) {
    const call = run.llmCalls[i];
    if (call?.output) return call;
  }
  return undefined;
}
