// register(api) across registration modes, the shared runtime, defensive dispatch and the
// status payload, with a stand-in host that collects handlers as OpenClaw does.

import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, describe, expect, it } from 'vitest';
import { registerNemoRelay, STATUS_METHOD, type PluginApi } from '../../../src/plugin.ts';
import { resetSharedRuntime } from '../../../src/runtime/global.ts';
import { SUBSCRIBED_HOOKS } from '../../../src/ingest/hook-names.ts';
import { callMethod, fakeInstance, fire } from '../../support/fake-host.ts';
import { readRecording } from '../../support/replay.ts';

const statusSchema = JSON.parse(readFileSync(new URL('../../../schemas/status.schema.json', import.meta.url), 'utf8'));
const validateStatus = new Ajv2020({ allErrors: true, strict: false, validateFormats: false }).compile(statusSchema);
const fixture = (name: string) => readRecording(new URL(`../../../fixtures/${name}`, import.meta.url).pathname);

function configWithAtif(dir: string, extra: Record<string, unknown> = {}) {
  return {
    plugins: { version: 1, components: [{ kind: 'observability', config: { version: 1, atif: { enabled: true, output_directory: dir } } }] },
    capture: { stripToolArgs: false, stripToolResults: false },
    ...extra,
  };
}

function setup(config: unknown) {
  const full = fakeInstance('full', config);
  const discovery = fakeInstance('discovery', config);
  const rt1 = registerNemoRelay(full.api as unknown as PluginApi);
  const rt2 = registerNemoRelay(discovery.api as unknown as PluginApi);
  return { full, discovery, runtime: rt1, same: rt1 === rt2 };
}

afterEach(() => resetSharedRuntime());

describe('registration', () => {
  it('registers every hook in every mode and shares one runtime', () => {
    const { full, discovery, same, runtime } = setup({});
    expect(same).toBe(true);
    for (const inst of [full, discovery]) {
      for (const hook of SUBSCRIBED_HOOKS) expect(inst.hooks.get(hook)?.length).toBeGreaterThanOrEqual(1);
      expect(inst.providers.map((p) => p.id)).toEqual(['dynamo']);
    }
    expect(full.methods.get(STATUS_METHOD)?.scope).toBe('operator.admin');
    expect(runtime.registrations).toEqual({ full: 1, discovery: 1 });
  });

  it('turns a gateway run routed across instances into one trace and one ATIF file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nr-reg-'));
    const { full, discovery, runtime } = setup(configWithAtif(dir));
    // As in a real gateway: gateway and session hooks on "full", agent-run hooks on "discovery".
    for (const r of fixture('gateway-tool-call.jsonl')) {
      const target = r.registrationMode === 'full' ? full : discovery;
      const results = fire(target, r.hook, r.event, r.ctx);
      if (r.hook !== 'gateway_stop') expect(results.every((x) => x === undefined)).toBe(true);
      else await Promise.all(results);
    }
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(1);
    const doc = JSON.parse(readFileSync(join(dir, files[0]!), 'utf8'));
    expect(doc.steps.filter((s: { source: string }) => s.source === 'agent')).toHaveLength(3);
    const { payload } = await callMethod(full, STATUS_METHOD);
    expect(validateStatus(payload), JSON.stringify(validateStatus.errors)).toBe(true);
    const status = payload as any;
    expect(status.state).toBe('stopped');
    expect(status.counters.llmSpans).toBe(3);
    expect(status.counters.toolSpans).toBe(1);
    expect(status.hooks.conversationAccess.observed).toBe('granted');
    expect(status.outputs[0].exported).toBeGreaterThan(0);
    expect(runtime.engine.openSessions).toBe(0);
  });

  it('counts malformed payloads and never throws into OpenClaw', async () => {
    const { discovery, full } = setup({});
    const cyclic: Record<string, unknown> = { callId: 'x:model:1' };
    cyclic.self = cyclic;
    const bad: [string, unknown, unknown][] = [
      ['model_call_started', null, null],
      ['model_call_started', { callId: 42 }, {}],
      ['before_message_write', { message: 'not an object' }, { sessionKey: 'k' }],
      ['after_tool_call', { toolName: ['x'] }, 7],
      ['llm_input', { runId: 1, prompt: {}, historyMessages: 'no' }, { sessionKey: 'k' }],
      ['model_call_ended', cyclic, { sessionKey: 'k', runId: 'x' }],
      ['before_tool_call', { toolName: 'ok', toolCallId: '../../etc\u0000passwd', runId: 'r\n1' }, { sessionKey: '../k' }],
    ];
    for (const [hook, e, c] of bad) expect(() => fire(discovery, hook, e, c)).not.toThrow();
    const status = (await callMethod(full, STATUS_METHOD)).payload as any;
    expect(validateStatus(status)).toBe(true);
    expect(status.counters.malformedTotal).toBeGreaterThanOrEqual(5);
    expect(status.malformedSamples.some((s: any) => s.problems.some((p: string) => /callId/.test(p)))).toBe(true);
    expect(status.counters.internalErrors).toBe(0);
  });

  it('keeps an invalid config loaded, exporting nothing, and says why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nr-bad-'));
    const { full, discovery } = setup({ ...configWithAtif(dir), correlation: { llmOutputGraceMs: 'soon' } });
    expect(full.logs.some((l) => l.level === 'error' && l.msg.includes('/correlation/llmOutputGraceMs'))).toBe(true);
    for (const r of fixture('gateway-tool-call.jsonl')) await Promise.all(fire(r.registrationMode === 'full' ? full : discovery, r.hook, r.event, r.ctx));
    expect(readdirSync(dir)).toEqual([]);
    const status = (await callMethod(full, STATUS_METHOD)).payload as any;
    expect(validateStatus(status)).toBe(true);
    expect(status.config.valid).toBe(false);
    expect(status.config.issues[0]).toMatchObject({ path: '/correlation/llmOutputGraceMs', expected: 'integer', severity: 'error' });
    expect(status.counters.llmSpans).toBe(3);
  });

  it('reports degraded with the blocked hooks when conversation access is withheld', async () => {
    const { full, discovery } = setup({});
    const gated = new Set(['llm_input', 'llm_output', 'agent_end', 'before_agent_finalize', 'before_agent_run', 'before_prompt_build', 'agent_turn_prepare', 'before_agent_reply', 'before_model_resolve']);
    for (const r of fixture('gateway-tool-call.jsonl')) {
      if (gated.has(r.hook) || r.hook === 'gateway_stop') continue;
      fire(r.registrationMode === 'full' ? full : discovery, r.hook, r.event, r.ctx);
    }
    const status = (await callMethod(full, STATUS_METHOD)).payload as any;
    expect(status.state).toBe('degraded');
    expect(status.hooks.blocked).toEqual([...gated].sort());
    expect(status.hooks.conversationAccess.observed).toBe('blocked');
    expect(status.reasons.join(' ')).toContain('allowConversationAccess');
  });

  it('does nothing but report when disabled', async () => {
    const { full, discovery } = setup({ enabled: false });
    for (const r of fixture('gateway-tool-call.jsonl').slice(0, 40)) fire(discovery, r.hook, r.event, r.ctx);
    const status = (await callMethod(full, STATUS_METHOD)).payload as any;
    expect(status.state).toBe('disabled');
    expect(status.counters.hookEventsTotal).toBe(0);
  });
});
