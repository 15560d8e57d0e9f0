// Whatever sits inside `plugins`, OpenClaw's manifest check lets it through and the plugin
// neither throws nor switches everything off: the worst a value there can do is switch off
// the output it belongs to.

import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.ts';
import { listConfiguredOutputs } from '../../../src/config/outputs.ts';

const read = (p: string) => JSON.parse(readFileSync(new URL(`../../../${p}`, import.meta.url), 'utf8'));
const hostCheck = new Ajv2020({ strict: false }).compile(read('openclaw.plugin.json').configSchema);
const v4 = read('fixtures/published-config/v4-metrics-logs.json');

/** Every JSON pointer (as key lists) to an object or array inside `plugins`. */
function containers(node: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof node !== 'object' || node === null) return [];
  const own = [path];
  const children = Array.isArray(node) ? node.map((v, i) => containers(v, [...path, i])) : Object.entries(node).map(([k, v]) => containers(v, [...path, k]));
  return own.concat(...children);
}
const spots = containers(v4.plugins);
const keys = ['enabled', 'endpoint', 'transport', 'type', 'headers', 'header_file', 'version', 'storage', 'sinks', 'endpoints', 'temporality', 'minimum_severity', 'bucket', 'url', 'surprise'];

describe('config fuzz', () => {
  it('any value at any place inside plugins: accepted by the manifest, no throw, never invalid', () => {
    fc.assert(
      fc.property(fc.constantFrom(...spots), fc.oneof(fc.constantFrom(...keys), fc.string()), fc.jsonValue({ maxDepth: 2 }), (spot, key, value) => {
        const cfg = structuredClone(v4);
        let node = cfg.plugins;
        for (const k of spot) node = node[k];
        if (Array.isArray(node)) node.push(value);
        else {
          fc.pre(!(key in node)); // adding, not replacing: every existing output stays configured
          node[key] = value;
        }
        expect(hostCheck(cfg)).toBe(true);
        const loaded = loadConfig(cfg, { OPENCLAW_STATE_DIR: '/s' });
        expect(loaded.invalid).toBe(false);
        // Only a value in ATIF's own subtree, or at the component level around it, can switch ATIF off.
        const at = spot.join('/');
        const mayTouchAtif = at === 'components/0' || at === 'components/0/config' || at.startsWith('components/0/config/atif');
        if (!mayTouchAtif) expect(loaded.config.atif?.enabled, `${at} ${String(key)}`).toBe(true);
        // Every output that is off says why, unless the added field switched it off on purpose.
        if (key !== 'enabled') for (const o of listConfiguredOutputs(loaded.config)) {
          if (!o.enabled && o.name !== 'opentelemetry.endpoints[0]') expect(o.disabledReason, o.name).toBeTruthy();
        }
      }),
      { numRuns: 300 },
    );
  });
});
