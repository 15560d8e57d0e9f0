// The hook table is the one list: the subscribed names, the gated set and parseHook all come
// from it, so a hook added there is subscribed and parsed, and nothing else is.

import { describe, expect, it } from 'vitest';
import { CONVERSATION_GATED_HOOKS, SUBSCRIBED_HOOKS } from '../../../src/ingest/hook-names.ts';
import { HOOKS } from '../../../src/ingest/hooks/table.ts';
import { parseHook } from '../../../src/ingest/parse.ts';

describe('the hook table', () => {
  it('lists every hook once, and the names and the gated set derive from it', () => {
    const names = HOOKS.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    expect(SUBSCRIBED_HOOKS).toEqual(names);
    expect([...CONVERSATION_GATED_HOOKS].sort()).toEqual(HOOKS.filter((d) => d.gated).map((d) => d.name).sort());
    // OpenClaw 2026.9.6's gate (DESIGN.md): the conversation hooks, and none of the others.
    expect([...CONVERSATION_GATED_HOOKS].sort()).toEqual(
      ['agent_end', 'agent_turn_prepare', 'before_agent_finalize', 'before_agent_reply', 'before_agent_run', 'before_model_resolve', 'before_prompt_build', 'llm_input', 'llm_output'],
    );
  });

  it('parseHook knows exactly the hooks in the table', () => {
    const full = { sessionKey: 'agent:main:main', sessionId: 's', callId: 'c', toolName: 't', childSessionKey: 'k', requesterSessionKey: 'r', targetSessionKey: 'k', message: { role: 'user', content: 'hi' } };
    for (const name of SUBSCRIBED_HOOKS) {
      const r = parseHook(name, full, {}, 1);
      expect(r.event, `${name}: ${r.problems.join('; ')}`).toBeDefined();
      expect(r.problems).toEqual([]);
    }
    for (const name of ['__proto__', 'constructor', 'toString', 'not_a_hook']) {
      const r = parseHook(name, full, {}, 1);
      expect(r.event).toBeUndefined();
      expect(r.problems.at(-1)).toMatch(/^unknown hook /);
    }
  });
});
