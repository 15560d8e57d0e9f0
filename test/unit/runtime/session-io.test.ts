// A delivered run's content is released from its open session (finalize/release.ts); only the
// OpenInference session span reads a session's first prompt and last answer afterwards. With
// an OpenInference output on, that span still carries both, read back from a real OTLP/HTTP
// receiver after a recorded gateway stream went through the real runtime.

import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { sequentialIds } from '../../../src/correlate/ids.ts';
import { OUTPUTS } from '../../../src/outputs/registry.ts';
import { Runtime } from '../../../src/runtime/runtime.ts';
import { startOtlpReceiver } from '../../support/otlp-receiver.ts';
import { readRecording } from '../../support/replay.ts';
import { deliveredRunsProbe } from '../../support/probe-sink.ts';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function sessionSpan(releaseContent: boolean) {
  const receiver = await startOtlpReceiver();
  cleanup.push(() => receiver.close());
  const rawConfig = {
    plugins: {
      version: 1,
      components: [
        {
          kind: 'observability',
          enabled: true,
          config: { version: 3, openinference: { enabled: true, endpoint: receiver.url, project_name: 'io', scheduled_delay_millis: 20, spool: { enabled: false } } },
        },
      ],
    },
  };
  const records = readRecording(path.join(import.meta.dirname, '../../../fixtures/gateway-tool-call.jsonl'));
  let clock = records[0]!.ts;
  const rt = new Runtime({ rawConfig, env: {}, logger: { info() {}, warn() {}, error() {} }, pluginVersion: '0.1.0', openclawVersion: '2026.9.6', now: () => clock, ids: sequentialIds(), outputs: OUTPUTS, releaseContent });
  cleanup.push(() => rt.stop('test', 5000));
  expect(rt.loaded.invalid).toBe(false);
  const { sink: probe, delivered } = deliveredRunsProbe();
  rt.sinks.push(probe);
  for (const r of records) {
    clock = Math.max(clock, r.ts);
    rt.tick();
    rt.dispatch(r.hook, r.event, r.ctx);
    // Each run delivered (and, with release on, reduced to its summary) before the next starts.
    if (r.hook === 'llm_output') {
      clock += 10_000;
      rt.tick();
      await rt.flush();
    }
  }
  expect(delivered).toHaveLength(2);
  clock += 10_000;
  rt.tick();
  await rt.flush();
  // Runs are trace roots too (traceMode per_run); the session span is tagged `session`.
  const isSession = (s: ReturnType<typeof receiver.spans>[number]) => s.attributes['openinference.span.kind'] === 'AGENT' && (s.attributes['tag.tags'] as string[] | undefined)?.includes('session') === true;
  for (const end = Date.now() + 10_000; !receiver.spans().some(isSession) && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
  const span = receiver.spans().find(isSession);
  expect(span, JSON.stringify(receiver.spans().map((s) => [s.name, s.parentSpanId]))).toBeDefined();
  return { attributes: span!.attributes, delivered };
}

it('with OpenInference on, the session span keeps its first prompt and last answer when runs are released', async () => {
  const on = await sessionSpan(true);
  const off = await sessionSpan(false);
  const first = on.delivered.find((r) => r.prompt !== undefined)!;
  expect(first.prompt!.length).toBeGreaterThan(0);
  expect(on.attributes['input.value']).toBe(first.prompt);
  expect(String(on.attributes['output.value'] ?? '')).not.toBe('');
  for (const key of ['input.value', 'input.mime_type', 'output.value', 'output.mime_type']) expect(on.attributes[key], key).toEqual(off.attributes[key]);
});
