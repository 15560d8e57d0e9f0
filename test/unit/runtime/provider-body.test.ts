// The dynamo provider's own view of each request: the final body its onPayload saw reaches the
// trace through ingest (keyed by callId) and becomes the call's input, marked exact. The LLM
// side is a stand-in transport that does what OpenClaw's does: builds a body, hands it to
// onPayload, sends what comes back.

import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { registerNemoRelay, type PluginApi } from '../../../src/plugin.ts';
import { resetSharedRuntime } from '../../../src/runtime/global.ts';
import { fakeInstance, fire } from '../../support/fake-host.ts';
import { readRecording } from '../../support/replay.ts';

const fixture = (name: string) => readRecording(new URL(`../../../fixtures/${name}`, import.meta.url).pathname);
type Stream = (model: unknown, context: unknown, options: Record<string, unknown>) => Promise<unknown>;

afterEach(() => resetSharedRuntime());

describe('dynamo provider body -> trace', () => {
  it('the body onPayload finished is the call\'s input (exact); a body for an unknown run is counted, not a phantom run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nr-body-'));
    const config = { plugins: { version: 1, components: [{ kind: 'observability', config: { version: 1, atif: { enabled: true, output_directory: dir } } }] } };
    const full = fakeInstance('full', config);
    const discovery = fakeInstance('discovery', config);
    const runtime = registerNemoRelay(full.api as unknown as PluginApi);
    registerNemoRelay(discovery.api as unknown as PluginApi);
    const provider = discovery.providers.find((p) => p.id === 'dynamo') as unknown as { wrapStreamFn(ctx: { streamFn?: Stream }): Stream | undefined };
    const sent: unknown[] = [];
    const transport: Stream = async (_model, _context, options) => {
      const built = { model: 'm', messages: [{ role: 'system', content: 'SYSTEM AS SENT' }, { role: 'user', content: 'USER AS SENT' }], stream: true };
      const replaced = await (options.onPayload as (p: unknown, m: unknown) => unknown)?.(built, {});
      sent.push(replaced ?? built);
      return {};
    };
    const stream = provider.wrapStreamFn({ streamFn: transport })!;
    expect(stream).toBeDefined();

    for (const r of fixture('gateway-tool-call.jsonl')) {
      fire(r.registrationMode === 'full' ? full : discovery, r.hook, r.event, r.ctx);
      if (r.hook === 'model_call_started') {
        await stream({ id: 'm', api: 'openai-completions', baseUrl: 'http://127.0.0.1:9' }, {}, { requestId: (r.event as { callId: string }).callId });
      }
    }
    await stream({}, {}, { requestId: 'no-such-run:model:1' });
    expect(sent).toHaveLength(4);
    await runtime.stop('test');

    const doc = JSON.parse(readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.json'))!), 'utf8'));
    const system = doc.steps.find((s: any) => s.source === 'system');
    expect(system.message).toBe('SYSTEM AS SENT');
    expect(system.extra.openclaw_system_prompt).toContain('OPENCLAW_CACHE_BOUNDARY');
    const agents = doc.steps.filter((s: any) => s.source === 'agent');
    expect(agents).toHaveLength(3);
    for (const a of agents) {
      expect(a.extra.input_fidelity).toBe('exact');
      expect(a.extra.input_proof).toContain('onPayload');
    }
    expect(runtime.hookCounts['nemo_relay.provider_request']).toBe(4);
    expect(runtime.engine.counters.lateEvents).toBeGreaterThanOrEqual(1);
    expect(runtime.engine.counters.runs).toBe(2);
  });
});
