// The session's tool definitions, built from the tool list llm_input carried (OpenClaw's own
// objects): on the lane at finalize, never in the hook handler that received the list.

import type { Session } from '../trace/model.ts';

export function toolDefinitions(tools: readonly unknown[]): Session['tools'] {
  const out: Session['tools'] = [];
  for (const t of tools) {
    if (typeof t !== 'object' || t === null) continue;
    const o = t as Record<string, unknown>;
    if (typeof o.name !== 'string') continue;
    out.push({
      name: o.name,
      ...(typeof o.description === 'string' ? { description: o.description } : {}),
      ...(o.parameters !== undefined ? { parameters: o.parameters } : {}),
    });
  }
  return out;
}
