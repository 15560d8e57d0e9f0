// The hook table is the one list: the subscribed names, the gated set and parseHook all come
// from it, so a hook added there is subscribed and parsed, and nothing else is.

import { describe, expect, it } from 'vitest';
import { CONVERSATION_GATED_HOOKS, DIAGNOSTIC_MODEL_USAGE, PROVIDER_REQUEST, SUBSCRIBED_HOOKS } from '../../../src/ingest/hook-names.ts';
import { HOOKS } from '../../../src/ingest/hooks/table.ts';
import { parseHook } from '../../../src/ingest/parse.ts';

describe('the hook table', () => {
  it('lists every hook once, and the names and the gated set derive from it', () => {
    const names = HOOKS.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    expect(SUBSCRIBED_HOOKS).toEqual(HOOKS.filter((d) => d.subscribed).map((d) => d.name));
    // The pseudo-events this plugin feeds itself are parsed from the table but never subscribed.
    expect(HOOKS.filter((d) => !d.subscribed).map((d) => d.name)).toEqual([PROVIDER_REQUEST, DIAGNOSTIC_MODEL_USAGE]);
    // Exactly the OpenClaw hooks subscribed before the table existed.
    expect(SUBSCRIBED_HOOKS).toEqual([
      'gateway_start', 'gateway_stop', 'session_start', 'session_end', 'before_agent_reply', 'before_model_resolve',
      'agent_turn_prepare', 'before_prompt_build', 'before_agent_run', 'llm_input', 'model_call_started', 'model_call_ended',
      'before_message_write', 'before_tool_call', 'after_tool_call', 'tool_result_persist', 'before_agent_finalize', 'agent_end',
      'llm_output', 'before_compaction', 'after_compaction', 'subagent_spawned', 'subagent_delivery_target', 'subagent_ended',
    ]);
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
    const usage = parseHook(DIAGNOSTIC_MODEL_USAGE, { type: 'model.usage', provider: 'p', model: 'm', usage: { input: 1, output: 2 } }, {}, 1);
    expect(usage.event).toMatchObject({ type: 'model_usage', provider: 'p', model: 'm', usage: { input: 1, output: 2 } });
    const req = parseHook(PROVIDER_REQUEST, { callId: 'run-1:model:0', body: { messages: [] } }, {}, 1);
    expect(req.event).toMatchObject({ type: 'provider_request', runId: 'run-1', callId: 'run-1:model:0' });
    const blocked = parseHook('after_tool_call', { toolName: 't', result: { details: { status: 'blocked', deniedReason: 'policy' } }, error: { name: 'E', code: 'X', message: 'm' } }, {}, 1);
    expect(blocked.event).toMatchObject({ type: 'tool_end', blocked: true, deniedReason: 'policy', errorName: 'E', errorCode: 'X' });
    expect(blocked.tool).toBe(blocked.event);
    for (const name of ['__proto__', 'constructor', 'toString', 'not_a_hook']) {
      const r = parseHook(name, full, {}, 1);
      expect(r.event).toBeUndefined();
      expect(r.problems.at(-1)).toMatch(/^unknown hook /);
    }
  });
});
