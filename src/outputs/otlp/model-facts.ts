// Facts both projections derive from the model the same way, so the gen_ai and the
// OpenInference view of one call (and the ATIF file) agree on them.

import type { LlmCall, Run, Session, ToolDefinition, Usage } from '../../trace/model.ts';

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

/** The run total: llm_output's report when it came, else the sum over the run's calls. */
export function runUsage(run: Run): Usage | undefined {
  if (run.reportedUsage) return run.reportedUsage;
  const calls = run.llmCalls.filter((c) => c.usage);
  if (calls.length === 0) return undefined;
  const sum: Usage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 };
  for (const c of calls) {
    const u = c.usage as Usage;
    sum.input += u.input;
    sum.output += u.output;
    sum.cacheRead += u.cacheRead;
    sum.cacheWrite += u.cacheWrite;
    sum.total += u.total;
  }
  return sum;
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
