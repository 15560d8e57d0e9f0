// `openclaw nemo-relay status` and `doctor` on the real OpenClaw 2026.9.6: the CLI process
// loads the plugin's registrar (descriptor from the manifest's cliCommands, cli-metadata.ts
// for root help), calls the running gateway with OpenClaw's own client and exits with the
// plugin's verdict. Healthy first, then the OTLP collector fails (status degraded, exit 1),
// then it refuses connections (doctor names the endpoint and the fix).

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenClawHarness, PLUGIN_DIR, waitFor } from '../support/openclaw-harness.ts';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.ts';
import { relayConfig } from '../support/plugin-config.ts';
import { startScriptedLlm, type ScriptedLlm } from '../support/scripted-llm.ts';

type Doc = Record<string, any>;
let llm: ScriptedLlm;
let receiver: OtlpReceiver;
let harness: OpenClawHarness;

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
          atifDir: mkdtempSync(join(tmpdir(), 'nemo-relay-cli-atif-')),
          opentelemetry: { endpoint: receiver.url, serviceName: 'cli-e2e', scheduledDelayMillis: 200 },
        }),
      },
    ],
  });
  // A loaded two-core machine can take minutes to start a gateway; the CLI is what is tested.
  await harness.startGateway({ timeoutMs: 300_000 });
}, 420_000);

afterAll(async () => {
  await harness?.cleanup();
  await receiver?.close();
  await llm?.close();
});

// No DYNAMO_API_KEY on purpose: registering the plugin in the CLI process must not change
// process.env, or OpenClaw drops the prepared CLI registration ("Plugin CLI preparation inputs
// changed"); the dynamo provider's default key is synthetic auth, never an env write.
// Each CLI start loads OpenClaw and the plugin: seconds on an idle machine, minutes on a busy one.
const cli = (args: string[]) => harness.run(['nemo-relay', ...args], { timeoutMs: 400_000 });
const failure = (r: { stdout: string; stderr: string }) => `stdout:\n${r.stdout.slice(-3000)}\nstderr:\n${r.stderr.slice(-3000)}\n${harness.logTail(2000)}`;

describe('openclaw nemo-relay status', () => {
  it('--json prints the nemoRelay.status payload and exits 0 when healthy', async () => {
    const viaCli = await cli(['status', '--json']);
    expect(viaCli.exitCode, failure(viaCli)).toBe(0);
    const viaGateway = await harness.gatewayCall<Doc>('nemoRelay.status');
    expect(viaGateway.exitCode, failure(viaGateway)).toBe(0);
    const a = viaCli.json as Doc;
    const b = viaGateway.json as Doc;
    expect(a.state).toBe('ready');
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    expect(Object.keys(a.counters).sort()).toEqual(Object.keys(b.counters).sort());
    expect(a.outputs.map((o: Doc) => o.name)).toEqual(b.outputs.map((o: Doc) => o.name));
    expect(a.startedAt).toBe(b.startedAt);
    expect(a.openclaw.version).toBe('2026.9.6');
  }, 900_000);

  it('prints the human view', async () => {
    const r = await cli(['status']);
    expect(r.exitCode, failure(r)).toBe(0);
    expect(r.stdout).toMatch(/nemo-relay \S+ on OpenClaw 2026\.9\.6: READY/);
    expect(r.stdout).toMatch(/opentelemetry\s+ok\s+\d+ spans exported/);
    expect(r.stdout).toContain(receiver.url);
    expect(r.stdout).toContain('Nothing to fix.');
  }, 450_000);

  it('exits 1 and names the failing output when the collector fails', async () => {
    receiver.setMode('fail');
    const turn = await harness.agentTurn({ sessionKey: 'cli-degraded', message: 'hello there' });
    expect(turn.exitCode, failure(turn)).toBe(0);
    // The gateway runs the turn after `agent` returns; on a busy machine that takes minutes.
    await waitFor(() => receiver.attempts > 0, {
      timeoutMs: 400_000,
      intervalMs: 500,
      what: 'an OTLP export attempt after the turn',
      context: () => `${llm.requests.length} LLM requests so far\n${harness.logTail(6000)}`,
    });
    await waitFor(
      async () => {
        const r = await harness.gatewayCallScoped<Doc>('nemoRelay.status', {}, ['operator.admin']);
        return r.payload?.state === 'degraded';
      },
      { timeoutMs: 120_000, intervalMs: 1000, what: 'nemoRelay.status to report the failing collector', context: () => harness.logTail() },
    );
    const last = await cli(['status']);
    expect(last.exitCode, failure(last)).toBe(1);
    expect(last.stdout).toContain(': DEGRADED');
    expect(last.stdout).toMatch(/opentelemetry\s+degraded/);
    expect(last.stdout).toMatch(/What to fix\n(.|\n)*- opentelemetry: /);
  }, 1_000_000);
});

describe('openclaw nemo-relay doctor', () => {
  it('fails on an endpoint that refuses connections and prints the fix', async () => {
    await receiver.refuse();
    const r = await cli(['doctor']);
    expect(r.exitCode, failure(r)).toBe(1);
    expect(r.stdout).toContain(`FAIL opentelemetry ${receiver.url}: connection refused`);
    expect(r.stdout).toContain(`fix: start the collector on 127.0.0.1:${receiver.port}`);
    expect(r.stdout).toMatch(/ok {3}gateway: ws:\/\/127\.0\.0\.1:\d+ answers nemoRelay\.status: \w+/);
    expect(r.stdout).toMatch(/ok {3}atif directory .*writable/);
    expect(r.stdout).toContain('ok   openclaw: OpenClaw 2026.9.6');
    expect(r.stdout).toContain('ok   conversation access');
  }, 450_000);
});
