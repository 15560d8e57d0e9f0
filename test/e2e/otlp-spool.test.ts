// End to end with the real OpenClaw gateway: the OTLP collector is unreachable, and no LLM
// span is lost.
//   1. The collector is down for the first half of the turns, then up: every LLM span of
//      every turn arrives (retried from memory and the disk spool).
//   2. The collector is down, the gateway gets SIGTERM (its spool keeps the spans), the
//      collector comes up, a new gateway starts on the same state dir: it delivers the first
//      process's spans.
// The spool is the default one, under the gateway's OPENCLAW_STATE_DIR.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenClawHarness, PLUGIN_DIR, waitFor } from '../support/openclaw-harness.ts';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.ts';
import { relayConfig } from '../support/plugin-config.ts';
import { startScriptedLlm, type ScriptedLlm } from '../support/scripted-llm.ts';

let llm: ScriptedLlm;
let receiver: OtlpReceiver;
let harness: OpenClawHarness;

/** gen_ai LLM spans (CLIENT) received for a session key. */
const llmSpans = (key: string) => receiver.spans().filter((s) => s.kind === 3 && s.attributes['openclaw.session.key'] === `agent:main:${key}`);
/** Model calls OpenClaw made for a session key, as the scripted LLM saw them. */
const modelCalls = () => llm.chatRequests().length;

async function turn(key: string): Promise<void> {
  const t = await harness.agentTurn({ sessionKey: key, message: `hello from ${key}` });
  expect(t.exitCode, `${key}: ${t.stderr.slice(-2000)}`).toBe(0);
}

beforeAll(async () => {
  llm = await startScriptedLlm();
  receiver = await startOtlpReceiver();
  harness = await OpenClawHarness.create({
    llmBaseUrl: llm.baseUrl,
    plugins: [
      {
        id: 'nemo-relay',
        path: PLUGIN_DIR,
        config: relayConfig({
          atifDir: mkdtempSync(join(tmpdir(), 'nemo-relay-e2e-spool-atif-')),
          opentelemetry: { endpoint: receiver.url, serviceName: 'e2e-spool', scheduledDelayMillis: 100, timeoutMillis: 2000 },
        }),
      },
    ],
  });
}, 240_000);

afterAll(async () => {
  await harness?.cleanup();
  await receiver?.close();
  await llm?.close();
});

describe('OTLP collector outages with the real gateway', () => {
  it('down for the first half of the turns, then up: every LLM span is delivered', async () => {
    await receiver.refuse();
    await harness.startGateway({ timeoutMs: 240_000 });
    const keys = ['spool-a1', 'spool-a2', 'spool-a3', 'spool-a4'];
    const callsBefore = modelCalls();
    await turn(keys[0]!);
    await turn(keys[1]!);
    await receiver.resume();
    await turn(keys[2]!);
    await turn(keys[3]!);
    const calls = modelCalls() - callsBefore;
    await waitFor(() => keys.reduce((n, k) => n + llmSpans(k).length, 0) >= calls, {
      timeoutMs: 120_000,
      intervalMs: 500,
      what: `${calls} LLM spans for ${keys.join(', ')}`,
      context: () => harness.logTail(),
    });
    for (const k of keys) expect(llmSpans(k).length, k).toBeGreaterThanOrEqual(1);
    const ids = keys.flatMap((k) => llmSpans(k).map((s) => s.spanId));
    // Retried requests are not delivered twice here (the collector answered none of the first).
    expect(new Set(ids).size).toBe(calls);
  }, 600_000);

  it('SIGTERM while the collector is down; collector up; a new gateway delivers the first one\'s spans', async () => {
    await receiver.refuse();
    const keys = ['spool-b1', 'spool-b2'];
    const callsBefore = modelCalls();
    for (const k of keys) await turn(k);
    const calls = modelCalls() - callsBefore;
    // Give the runs their grace window and the spans their way into the queue.
    await new Promise((r) => setTimeout(r, 3000));
    const stop = await harness.stopGateway('SIGTERM');
    expect(stop).toBeDefined();
    expect(keys.reduce((n, k) => n + llmSpans(k).length, 0)).toBe(0);

    await receiver.resume();
    await harness.startGateway({ timeoutMs: 240_000 });
    await waitFor(() => keys.reduce((n, k) => n + llmSpans(k).length, 0) >= calls, {
      timeoutMs: 120_000,
      intervalMs: 500,
      what: `${calls} LLM spans of the first gateway for ${keys.join(', ')}`,
      context: () => harness.logTail(),
    });
    for (const k of keys) expect(llmSpans(k).length, k).toBeGreaterThanOrEqual(1);
    await harness.stopGateway('SIGTERM');
  }, 600_000);
});
