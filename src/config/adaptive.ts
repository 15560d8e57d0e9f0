// The adaptive component's config.

import { ADAPTIVE_BACKEND_KINDS as ADAPTIVE_BACKENDS, ADAPTIVE_LEARNERS } from './adaptive-kinds.ts';
import { type Obj, int, isObj, str } from './read.ts';
import type { AdaptiveConfig, ConfigIssue, PolicyConfig, UnsupportedBehavior } from './types.ts';

export function readAdaptive(cfg: Obj, enabled: boolean, path: string, policy: PolicyConfig, issues: ConfigIssue[]): AdaptiveConfig | undefined {
  const state = isObj(cfg.state) && isObj(cfg.state.backend) ? cfg.state.backend : {};
  const kind = typeof state.kind === 'string' ? state.kind : 'in_memory';
  let ok = true;
  if (!(ADAPTIVE_BACKENDS as readonly string[]).includes(kind)) {
    ok = false;
    byPolicy(issues, policy.unsupportedValue, {
      path: `${path}/state/backend/kind`,
      expected: `one of ${ADAPTIVE_BACKENDS.join(', ')}`,
      found: JSON.stringify(kind),
      message: `adaptive state backend ${JSON.stringify(kind)} is not supported; the adaptive component is off`,
    });
  }
  const learnersRaw = isObj(cfg.telemetry) && Array.isArray(cfg.telemetry.learners) ? cfg.telemetry.learners : ['tool_parallelism'];
  const learners: string[] = [];
  learnersRaw.forEach((l, i) => {
    if (typeof l !== 'string') return;
    if ((ADAPTIVE_LEARNERS as readonly string[]).includes(l)) learners.push(l);
    else {
      byPolicy(issues, policy.unsupportedValue, {
        path: `${path}/telemetry/learners/${i}`,
        expected: `one of ${ADAPTIVE_LEARNERS.join(', ')}`,
        found: JSON.stringify(l),
        message: `adaptive learner ${JSON.stringify(l)} is not supported`,
      });
    }
  });
  const limits = isObj(cfg.limits) ? cfg.limits : {};
  if (!ok) return undefined;
  return {
    enabled,
    agentId: str(cfg.agent_id) ?? 'openclaw',
    backend: 'in_memory',
    learners,
    maxAgents: int(limits.max_agents, 256),
    maxToolsPerAgent: int(limits.max_tools_per_agent, 512),
    maxGroupsPerAgent: int(limits.max_groups_per_agent, 1024),
  };
}

function byPolicy(issues: ConfigIssue[], behavior: UnsupportedBehavior, issue: Omit<ConfigIssue, 'severity'>): void {
  if (behavior === 'ignore') return;
  issues.push({ ...issue, severity: behavior === 'error' ? 'error' : 'warning' });
}
