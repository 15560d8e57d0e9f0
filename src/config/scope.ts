// Which output an error belongs to. Every output registers the JSON pointers whose errors
// switch it off (its own entry, the section and component around it); an error belongs to
// the longest registered pointer that contains it, and switches off every output that
// registered that pointer. Errors outside `plugins` (wrapper fields OpenClaw itself checks)
// are fatal; other unowned errors switch nothing off.

import type { ConfigIssue, OutputSwitch } from './types.ts';

export interface Target {
  target: OutputSwitch;
  scopes: string[];
}

/** Returns true when an error makes the whole config meaningless. */
export function applyScopes(issues: ConfigIssue[], targets: Target[]): boolean {
  const registered = new Set(targets.flatMap((t) => t.scopes));
  let fatal = false;
  for (const issue of issues) {
    if (issue.severity !== 'error') continue;
    if (!issue.path.startsWith('/plugins') && !issue.path.startsWith('$env')) {
      fatal = true;
      continue;
    }
    const owner = ownerOf(issue.path, registered);
    if (owner === undefined) continue;
    for (const { target, scopes } of targets) {
      if (!scopes.includes(owner) || !target.enabled) continue;
      target.enabled = false;
      target.disabledReason = issue.message;
    }
  }
  return fatal;
}

function ownerOf(path: string, registered: Set<string>): string | undefined {
  let best: string | undefined;
  for (const s of registered) {
    if ((path === s || path.startsWith(`${s}/`)) && (best === undefined || s.length > best.length)) best = s;
  }
  return best;
}
