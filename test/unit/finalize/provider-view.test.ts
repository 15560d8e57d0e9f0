// Exact provider input: each call's conversation as the provider received it, rebuilt with
// OpenClaw's send-side steps and proven by requestPayloadBytes, checked against the bodies a
// scripted LLM recorded on the real gateway (same recording as the hook stream).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readRecording, replay, type RecordedHook } from '../../support/replay.ts';
import { buildTrajectory } from '../../../src/outputs/atif/trajectory.ts';
import { proveLength } from '../../../src/finalize/provider-request.ts';

const hooks = () => readRecording(new URL('../../../fixtures/gateway-tool-call.jsonl', import.meta.url).pathname);
const requests = readFileSync(new URL('../../../fixtures/llm-requests-tool-call.jsonl', import.meta.url), 'utf8')
  .split('\n').filter(Boolean).map((l) => JSON.parse(l) as { body: { messages: any[]; tools: any[] } });
const config = { capture: { stripToolArgs: false, stripToolResults: false } };
const META = { agentName: 'openclaw', openclawVersion: '2026.9.6', pluginVersion: '0.1.0' };

/** The recorded request's messages in the trace's shape. */
function asChat(messages: any[]) {
  return messages.map((m) => ({
    role: m.role,
    content: typeof m.content === 'string' ? m.content : Array.isArray(m.content) ? m.content.map((p: any) => p.text ?? '').join('') : '',
    ...(m.tool_calls ? { toolCalls: m.tool_calls.map((t: any) => ({ id: t.id, name: t.function.name, arguments: JSON.parse(t.function.arguments) })) } : {}),
    ...(m.tool_call_id ? { toolCallId: m.tool_call_id } : {}),
  }));
}

describe('provider view', () => {
  it('every call\'s input equals the request the provider recorded, marked exact and proven', () => {
    const { runs } = replay(hooks(), config);
    const calls = runs.flatMap((r) => r.run.llmCalls);
    expect(calls).toHaveLength(requests.length);
    calls.forEach((call, i) => {
      expect(call.input).toEqual(asChat(requests[i]!.body.messages));
      expect(call.requestTools).toEqual(requests[i]!.body.tools.map((t: any) => t.function.name));
      expect(call.inputFidelity).toBe('exact');
      expect(call.inputProof).toContain(`requestPayloadBytes (${call.requestPayloadBytes})`);
      expect(call.marks.filter((m) => m.name === 'llm.input_reconstructed')).toEqual([]);
    });
    // OpenClaw's hook view differs (marker, Runtime block, internal context position): kept.
    expect(calls[0]!.openclawInput?.[0]?.content).toContain('<!-- OPENCLAW_CACHE_BOUNDARY -->');
  });

  it('the ATIF system and user steps show the text the model saw; OpenClaw\'s view in extra', () => {
    const { sessions } = replay(hooks(), config);
    const doc = buildTrajectory(sessions[0]!, META)!;
    const system = doc.steps.find((s) => s.source === 'system')!;
    expect(system.message).toBe(requests[0]!.body.messages[0].content);
    expect((system.extra as any).openclaw_system_prompt).toContain('<!-- OPENCLAW_CACHE_BOUNDARY -->');
    const user = doc.steps.find((s) => s.source === 'user')!;
    expect(user.message).toBe(requests[0]!.body.messages[1].content);
    expect(user.message).toContain('\n\nRuntime: agent=main');
    expect((user.extra as any).openclaw_prompt).not.toContain('Runtime:');
    const agent = doc.steps.find((s) => s.source === 'agent')!;
    expect((agent.extra as any).input_fidelity).toBe('exact');
  });

  it('a rebuild whose length does not match is reconstructed, with a mark that says why', () => {
    const records: RecordedHook[] = hooks().map((r) =>
      r.hook === 'model_call_ended' ? { ...r, event: { ...(r.event as object), requestPayloadBytes: 12 } } : r,
    );
    const { runs } = replay(records, config);
    for (const call of runs.flatMap((r) => r.run.llmCalls)) {
      expect(call.inputFidelity).toBe('reconstructed');
      const mark = call.marks.find((m) => m.name === 'llm.input_reconstructed')!;
      expect(mark.message).toMatch(/rebuilt body is \d+ bytes and OpenClaw sent 12/);
    }
  });

  it('without llm_input there is nothing to rebuild from: reconstructed, said so', () => {
    const { runs } = replay(hooks().filter((r) => r.hook !== 'llm_input'), config);
    const call = runs[0]!.run.llmCalls[0]!;
    expect(call.inputFidelity).toBe('reconstructed');
    expect(call.marks.map((m) => m.name)).toContain('llm.input_reconstructed');
  });

  it('the proof settles only the unobserved envelope fields', () => {
    const body = { model: 'm', messages: [], stream: true, stream_options: { include_usage: true }, tools: [] };
    const n = Buffer.byteLength(JSON.stringify(body));
    expect(proveLength(body, n).exact).toBe(true);
    expect(proveLength(body, n + Buffer.byteLength(',"tool_choice":"auto"')).inferred).toEqual(['tool_choice']);
    expect(proveLength(body, n + Buffer.byteLength(',"max_completion_tokens":4096')).inferred).toEqual(['max_completion_tokens (4 digits)']);
    expect(proveLength(body, n + 3).exact).toBe(false);
    expect(proveLength(body, undefined).reason).toContain('requestPayloadBytes');
  });
});
