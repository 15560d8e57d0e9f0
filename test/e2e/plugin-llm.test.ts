// End to end on the real OpenClaw 2026.9.6: an LLM call another plugin makes through
// api.runtime.llm.complete (no hooks, no traceparent) shows up as an LLM span flagged
// plugin-originated, counted in nemoRelay.status.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { OpenClawHarness, PLUGIN_DIR, REPO_ROOT, waitFor } from '../support/openclaw-harness.ts';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.ts';
import { relayConfig } from '../support/plugin-config.ts';
import { startScriptedLlm, type ScriptedLlm } from '../support/scripted-llm.ts';

const LLM_CALLER_PLUGIN_DIR = join(REPO_ROOT, 'test', 'support', 'llm-caller-plugin');

let llm: ScriptedLlm;
let receiver: OtlpReceiver;
let harness: OpenClawHarness;
let answer: Record<string, unknown> | undefined;

beforeAll(async () => {
  llm = await startScriptedLlm();
  receiver = await startOtlpReceiver();
  harness = await OpenClawHarness.create({
    llmBaseUrl: llm.baseUrl,
    plugins: [
      { id: 'nemo-relay', path: PLUGIN_DIR, config: relayConfig({ opentelemetry: { endpoint: receiver.url, serviceName: 'e2e-plugin-llm', scheduledDelayMillis: 200 } }) },
      { id: 'llm-caller', path: LLM_CALLER_PLUGIN_DIR },
    ],
  });
  await harness.startGateway({ timeoutMs: 300_000 });
  const res = await harness.gatewayCall<Record<string, unknown>>('llmCaller.ask');
  expect(res.exitCode, `${res.stderr.slice(-1500)}\n${harness.logTail(3000)}`).toBe(0);
  answer = res.json;
}, 600_000);

afterAll(async () => {
  await harness?.cleanup();
  await receiver?.close();
  await llm?.close();
});

describe('plugin-originated LLM calls', () => {
  it('the helper plugin\'s call reached the LLM without a traceparent, and became a flagged LLM span', async () => {
    expect(answer?.error, JSON.stringify(answer)).toBeUndefined();
    const requests = llm.chatRequests();
    expect(requests).toHaveLength(1);
    expect(requests[0]!.headers.traceparent).toBeUndefined();
    const spans = await waitFor(() => {
      const s = receiver.spans().filter((x) => x.attributes['nemo_relay.llm.plugin_originated'] === true);
      return s.length > 0 ? s : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250, what: 'a plugin-originated LLM span', context: () => harness.logTail() });
    expect(spans).toHaveLength(1);
    expect(spans[0]!.events.map((e) => e.name)).toContain('llm.plugin_originated');
    const status = await harness.gatewayCall<Record<string, any>>('nemoRelay.status');
    expect(status.json?.extensions?.pluginLlmCalls?.observed).toBe(1);
    expect(status.json?.extensions?.pluginLlmCalls?.diagnostics?.state).toBe('subscribed');
  });
});
