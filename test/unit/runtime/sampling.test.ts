// Per-session sampling through the real runtime: a recorded gateway stream with a subagent.
// The decision is made once per session tree (the subagent follows its root), trace outputs
// skip sampled-out trees, ATIF stays complete unless it opted in, and status counts sessions.

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { sequentialIds } from '../../../src/correlate/ids.ts';
import { OUTPUTS } from '../../../src/outputs/registry.ts';
import { Runtime } from '../../../src/runtime/runtime.ts';
import { buildStatus } from '../../../src/status/status.ts';
import { startOtlpReceiver } from '../../support/otlp-receiver.ts';
import { readRecording } from '../../support/replay.ts';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function run(sampling: Record<string, unknown> | undefined, env: Record<string, string>) {
  const receiver = await startOtlpReceiver();
  cleanup.push(() => receiver.close());
  const dir = await mkdtemp(path.join(tmpdir(), 'sampling-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const rawConfig = {
    ...(sampling ? { sampling } : {}),
    // One trace per session tree, so "the whole tree" is one trace id to count.
    correlation: { traceMode: 'per_session' },
    plugins: {
      version: 1,
      components: [
        {
          kind: 'observability',
          enabled: true,
          config: {
            version: 3,
            atif: { enabled: true, agent_name: 'openclaw', output_directory: dir },
            opentelemetry: { enabled: true, endpoints: [{ type: 'gen_ai', transport: 'http_binary', endpoint: receiver.url, scheduled_delay_millis: 20 }] },
          },
        },
      ],
    },
  };
  const records = readRecording(path.join(import.meta.dirname, '../../../fixtures/gateway-subagent.jsonl'));
  let clock = records[0]!.ts;
  const rt = new Runtime({ rawConfig, env, logger: { info() {}, warn() {}, error() {} }, pluginVersion: '0.1.0', now: () => clock, ids: sequentialIds(), outputs: OUTPUTS });
  expect(rt.loaded.invalid).toBe(false);
  for (const r of records) {
    clock = r.ts;
    rt.tick();
    rt.dispatch(r.hook, r.event, r.ctx);
  }
  clock += 60_000;
  rt.tick();
  await rt.flush();
  const status = buildStatus(rt);
  await rt.stop('test', 5000);
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
  return { spans: receiver.spans(), files, status };
}

it('OTEL_TRACES_SAMPLER=always_off: no spans for the whole tree, ATIF complete, sessions counted', async () => {
  const off = await run(undefined, { OTEL_TRACES_SAMPLER: 'always_off' });
  expect(off.spans).toEqual([]);
  expect(off.files.length).toBeGreaterThan(0);
  expect(off.status.sampling).toMatchObject({ sampler: 'always_off', source: 'env', sessionsSampledIn: 0 });
  // The root session and its subagent, both out.
  expect(off.status.sampling.sessionsSampledOut).toBe(2);

  const on = await run(undefined, {});
  expect(on.spans.length).toBeGreaterThan(0);
  expect(new Set(on.spans.map((s) => s.traceId)).size).toBe(1);
  expect(on.files.length).toBe(off.files.length);
  expect(on.status.sampling).toMatchObject({ sampler: 'parentbased_always_on', sessionsSampledOut: 0 });
}, 60_000);

it('a config ratio of 0 with applyToAtif: ATIF follows the same decision', async () => {
  const r = await run({ ratio: 0, applyToAtif: true }, {});
  expect(r.spans).toEqual([]);
  expect(r.files).toEqual([]);
  expect(r.status.sampling).toMatchObject({ source: 'config', ratio: 0, applyToAtif: true, sessionsSampledOut: 2 });
}, 60_000);
