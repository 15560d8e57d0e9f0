// The flat list of configured outputs status shows, from a real v4 config.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.ts';
import { listConfiguredOutputs } from '../../../src/config/outputs.ts';

const v4 = JSON.parse(readFileSync(new URL('../../../fixtures/published-config/v4-metrics-logs.json', import.meta.url), 'utf8'));

describe('configured outputs', () => {
  it('lists every output of a v4 config with its kind, transport and state', () => {
    const list = listConfiguredOutputs(loadConfig(v4, { OPENCLAW_STATE_DIR: '/s' }).config);
    expect(list.map((o) => [o.name, o.kind, o.transport, o.enabled])).toEqual([
      ['atif', 'atif', undefined, true],
      ['atif.storage[0]', 'atif_storage', 's3', true],
      ['atif.storage[1]', 'atif_storage', 'http', true],
      ['atof', 'atof', undefined, true],
      ['atof.sinks[0]', 'atof_sink', 'file', true],
      ['live', 'atof_sink', 'websocket', true],
      ['opentelemetry.endpoints[0]', 'traces', 'grpc', true],
      ['opentelemetry.metrics.endpoints[0]', 'metrics', 'http_binary', true],
      ['opentelemetry.metrics.endpoints[1]', 'metrics', 'grpc', true],
      ['opentelemetry.logs.endpoints[0]', 'logs', 'http_binary', true],
    ]);
    expect(list.find((o) => o.name === 'opentelemetry.endpoints[0]')!.disabledReason).toBeUndefined();
  });

  it('an entry under a switched-off section is off with the section reason', () => {
    const cfg = structuredClone(v4);
    cfg.plugins.components[0].config.opentelemetry.metrics.temporality = 'sideways';
    const list = listConfiguredOutputs(loadConfig(cfg, {}).config);
    const metrics = list.filter((o) => o.kind === 'metrics');
    expect(metrics.map((o) => o.enabled)).toEqual([false, false]);
    expect(metrics[0]!.disabledReason).toContain('temporality');
    expect(list.find((o) => o.kind === 'logs')!.enabled).toBe(true);
  });
});
