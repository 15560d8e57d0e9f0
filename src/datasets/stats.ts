// Running totals over a folder of trajectories: constant memory per file (counters, and maps
// keyed by tool name / outcome / reward name, which are bounded by the vocabulary, not by
// the number of files). Tokens and cost are summed from the agent steps' metrics of every
// trajectory, embedded subagents included (final_metrics cover one trajectory's own steps).

import type { AtifTrajectory } from '../outputs/atif/types.ts';
import { annotationsOf } from './annotations.ts';
import { allTrajectories } from './conversation.ts';

export interface Distribution {
  count: number;
  mean: number | null;
  min: number | null;
  max: number | null;
}

class Acc {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  add(v: number): void {
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }
  get(): Distribution {
    return this.count === 0 ? { count: 0, mean: null, min: null, max: null } : { count: this.count, mean: this.sum / this.count, min: this.min, max: this.max };
  }
}

export interface StatsReport {
  files: number;
  invalid: number;
  sessions: number;
  subagentTrajectories: number;
  steps: { total: number; system: number; user: number; agent: number };
  llmCalls: number;
  tokens: { prompt: number; completion: number; cached: number };
  /** Sum over the steps that carry a cost; null when none does. */
  costUsd: number | null;
  toolCalls: number;
  tools: Record<string, number>;
  outcomes: Record<string, number>;
  reward: Distribution;
  rewards: Record<string, Distribution>;
}

const inc = (m: Map<string, number>, k: string): void => {
  m.set(k, (m.get(k) ?? 0) + 1);
};

/** Keys by count, then by name: a stable order for reports. */
function ranked(m: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

export class StatsCollector {
  private files = 0;
  private invalid = 0;
  private sessions = 0;
  private subagents = 0;
  private readonly steps = { total: 0, system: 0, user: 0, agent: 0 };
  private llmCalls = 0;
  private readonly tokens = { prompt: 0, completion: 0, cached: 0 };
  private cost = 0;
  private costSeen = false;
  private toolCalls = 0;
  private readonly tools = new Map<string, number>();
  private readonly outcomes = new Map<string, number>();
  private readonly reward = new Acc();
  private readonly rewards = new Map<string, Acc>();

  addInvalid(): void {
    this.files++;
    this.invalid++;
  }

  add(root: AtifTrajectory): void {
    this.files++;
    this.sessions++;
    const a = annotationsOf(root);
    inc(this.outcomes, a.outcome ?? '(none)');
    if (a.reward !== undefined) this.reward.add(a.reward);
    for (const [name, v] of Object.entries(a.rewards ?? {})) {
      let acc = this.rewards.get(name);
      if (!acc) this.rewards.set(name, (acc = new Acc()));
      acc.add(v);
    }
    for (const doc of allTrajectories(root)) {
      if (doc !== root) this.subagents++;
      for (const s of doc.steps) {
        this.steps.total++;
        this.steps[s.source]++;
        if (s.source === 'agent') this.llmCalls += typeof s.llm_call_count === 'number' ? s.llm_call_count : 1;
        const m = s.metrics;
        if (m) {
          this.tokens.prompt += m.prompt_tokens ?? 0;
          this.tokens.completion += m.completion_tokens ?? 0;
          this.tokens.cached += m.cached_tokens ?? 0;
          if (typeof m.cost_usd === 'number') {
            this.cost += m.cost_usd;
            this.costSeen = true;
          }
        }
        for (const c of s.tool_calls ?? []) {
          this.toolCalls++;
          inc(this.tools, c.function_name);
        }
      }
    }
  }

  report(): StatsReport {
    return {
      files: this.files,
      invalid: this.invalid,
      sessions: this.sessions,
      subagentTrajectories: this.subagents,
      steps: { ...this.steps },
      llmCalls: this.llmCalls,
      tokens: { ...this.tokens },
      costUsd: this.costSeen ? this.cost : null,
      toolCalls: this.toolCalls,
      tools: ranked(this.tools),
      outcomes: ranked(this.outcomes),
      reward: this.reward.get(),
      rewards: Object.fromEntries([...this.rewards].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, v]) => [k, v.get()])),
    };
  }
}
