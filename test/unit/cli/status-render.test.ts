// The human view of nemoRelay.status, from payloads the real plugin builds (stand-in host),
// and the status command's exit codes and messages.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { statusCommand } from '../../../src/cli/status-command.ts';
import { renderStatus, statusExitCode } from '../../../src/cli/status-render.ts';
import { registerNemoRelay, STATUS_METHOD, type PluginApi } from '../../../src/plugin.ts';
import { resetSharedRuntime } from '../../../src/runtime/global.ts';
import type { StatusPayload } from '../../../src/status/status.ts';
import { callMethod, fakeInstance } from '../../support/fake-host.ts';

afterEach(() => resetSharedRuntime());

async function realStatus(): Promise<StatusPayload> {
  const dir = mkdtempSync(join(tmpdir(), 'nr-cli-'));
  const config = {
    plugins: { version: 1, components: [{ kind: 'observability', config: { version: 1, atif: { enabled: true, output_directory: dir } } }] },
  };
  const full = fakeInstance('full', config);
  registerNemoRelay(full.api as unknown as PluginApi);
  return (await callMethod(full, STATUS_METHOD)).payload as StatusPayload;
}

function capture() {
  const io = { stdout: '', stderr: '', out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

describe('renderStatus', () => {
  it('shows state, each output with its measured health, counters and hooks', async () => {
    const s = await realStatus();
    const text = renderStatus(s, new Date(Date.parse(s.startedAt) + 5000));
    expect(text).toMatch(/^nemo-relay \S+ on OpenClaw 2026\.9\.6: READY/);
    expect(text).toContain('started');
    expect(text).toContain('(5s ago)');
    const atif = s.outputs.find((o) => o.name.startsWith('atif'));
    expect(atif).toBeDefined();
    expect(text).toMatch(new RegExp(`\\n  ${atif!.name}\\s+ok\\s+0 files exported, 0 failures, 0 dropped, queue 0`));
    expect(text).toContain(String(atif!.details?.output_directory));
    expect(text).toContain('hook events 0, malformed 0');
    expect(text).toContain('withheld by OpenClaw: none');
    expect(text).toContain('Nothing to fix.');
    expect(statusExitCode(s)).toBe(0);
  });

  it('shows the gateway loop stalling, measured, and the lane\'s longest unit', async () => {
    const full = fakeInstance('full', { plugins: { version: 1, components: [{ kind: 'observability', config: { version: 1, atif: { enabled: true, output_directory: mkdtempSync(join(tmpdir(), 'nr-cli-')) } } }] } });
    registerNemoRelay(full.api as unknown as PluginApi);
    const before = (await callMethod(full, STATUS_METHOD)).payload as StatusPayload;
    // A stall of this process, as a gateway busy with synchronous work has one.
    const end = performance.now() + 400;
    while (performance.now() < end);
    await new Promise((r) => setTimeout(r, 100));
    const s = (await callMethod(full, STATUS_METHOD)).payload as StatusPayload;
    const seen = JSON.stringify({ before: before.host, after: s.host });
    expect(s.host.eventLoopDelay.maxMs, seen).toBeGreaterThanOrEqual(100);
    expect(s.host.eventLoopDelay.samples, seen).toBeGreaterThan(before.host.eventLoopDelay.samples);
    expect(renderStatus(s)).toMatch(/event loop delay p50 [\d.]+ ms, p99 [\d.]+ ms, max [\d.]+ ms; nemo-relay's longest unit of background work [\d.]+ ms, \d+ waiting/);
  });

  it('names a degraded output, its error and the fix; withheld hooks and config errors too', async () => {
    const s = await realStatus();
    const degraded: StatusPayload = {
      ...s,
      state: 'degraded',
      reasons: ['opentelemetry: connect ECONNREFUSED 127.0.0.1:9', 'internal errors: 2 (last: boom)'],
      outputs: [
        ...s.outputs,
        {
          name: 'opentelemetry', enabled: true, state: 'degraded', exported: 3, unit: 'spans', failures: 2, dropped: 7, queueDepth: 1,
          lastError: { time: s.startedAt, message: 'connect ECONNREFUSED 127.0.0.1:9' },
          details: { endpoint: 'http://127.0.0.1:9/v1/traces' },
        },
      ],
      hooks: { ...s.hooks, conversationAccess: { configured: false, observed: 'blocked' }, blocked: ['agent_end', 'llm_input', 'llm_output'] },
    };
    const text = renderStatus(degraded);
    expect(text).toContain(': DEGRADED');
    expect(text).toMatch(/opentelemetry\s+degraded\s+3 spans exported, 2 failures, 7 dropped, queue 1\s+http:\/\/127\.0\.0\.1:9\/v1\/traces/);
    expect(text).toContain('last error');
    expect(text).toContain('withheld by OpenClaw: agent_end, llm_input, llm_output');
    expect(text).toContain('What to fix');
    expect(text).toContain('- opentelemetry: connect ECONNREFUSED 127.0.0.1:9; the collector is not reachable');
    expect(text).toContain('allowConversationAccess = true');
    expect(text).toContain('- internal errors: 2 (last: boom)');
    expect(statusExitCode(degraded)).toBe(1);
  });
});

describe('status command', () => {
  it('prints the human view and exits 0 when ready; --json prints the payload as is', async () => {
    const s = await realStatus();
    const methods: string[] = [];
    const cmd = statusCommand({ call: async (m) => (methods.push(m), s) });
    const human = capture();
    expect(await cmd.run([], human)).toBe(0);
    expect(human.stdout).toContain('READY');
    const json = capture();
    expect(await cmd.run(['--json'], json)).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(JSON.stringify(s)));
    expect(methods).toEqual([STATUS_METHOD, STATUS_METHOD]);
  });

  it('exits 1 when degraded, 2 with the gateway URL when the gateway cannot be reached', async () => {
    const s = await realStatus();
    const degraded = statusCommand({ call: async () => ({ ...s, state: 'degraded' }) });
    expect(await degraded.run(['--json'], capture())).toBe(1);
    const down = statusCommand({ config: { gateway: { port: 45678 } }, call: async () => Promise.reject(new Error('gateway closed (1006)')) });
    const io = capture();
    expect(await down.run([], io)).toBe(2);
    expect(io.stderr).toContain('cannot reach the OpenClaw gateway at ws://127.0.0.1:45678: gateway closed (1006)');
    expect(io.stderr).toContain('OPENCLAW_GATEWAY_URL');
    const explicit = capture();
    expect(await down.run(['--url', 'ws://10.0.0.1:1'], explicit)).toBe(2);
    expect(explicit.stderr).toContain('at ws://10.0.0.1:1');
  });

  it('rejects unknown flags with the usage', async () => {
    const io = capture();
    expect(await statusCommand({ call: async () => ({}) }).run(['--nope'], io)).toBe(2);
    expect(io.stderr).toContain('usage: openclaw nemo-relay status');
  });
});
