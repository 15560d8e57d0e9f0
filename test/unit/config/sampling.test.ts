// Per-session sampling: deterministic per session id (all in or all out, the same in every
// process), the ratio honoured, parent-based samplers following the parent session.

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.ts';
import { atifIncludesSession, createSessionSampler, readSampling, sessionHashRatio } from '../../../src/config/sampling.ts';
import type { ConfigIssue, SamplingConfig } from '../../../src/config/types.ts';

const ids = Array.from({ length: 20_000 }, (_, i) => `agent:main:session-${i}`);
const only = (s: (id: string) => boolean) => (id: string) => s(id);
const cfg = (over: Partial<SamplingConfig>): SamplingConfig => ({ sampler: 'traceidratio', ratio: 1, applyToAtif: false, source: 'config', ...over });

describe('session sampling', () => {
  it('the same session id always gets the same decision, also from a new sampler (another process)', () => {
    const a = createSessionSampler(cfg({ ratio: 0.3 }));
    const b = createSessionSampler(cfg({ ratio: 0.3 }));
    for (const id of ids.slice(0, 2000)) expect(a(id)).toBe(b(id));
    // Pinned: the position is the first 53 bits of SHA-256(id); a change here changes which
    // sessions every deployed gateway keeps.
    expect(sessionHashRatio('agent:main:main')).toBe(0.4280104633578785);
    expect(sessionHashRatio('x')).toBeGreaterThanOrEqual(0);
    expect(sessionHashRatio('x')).toBeLessThan(1);
  });

  it('the share of sampled sessions follows the ratio; 0 and 1 are exact; a lower ratio keeps a subset', () => {
    for (const ratio of [0.1, 0.5, 0.9]) {
      const share = ids.filter(only(createSessionSampler(cfg({ ratio })))).length / ids.length;
      expect(Math.abs(share - ratio)).toBeLessThan(0.02);
    }
    expect(ids.some(only(createSessionSampler(cfg({ ratio: 0 }))))).toBe(false);
    expect(ids.every(only(createSessionSampler(cfg({ ratio: 1 }))))).toBe(true);
    const low = createSessionSampler(cfg({ ratio: 0.2 }));
    const high = createSessionSampler(cfg({ ratio: 0.6 }));
    expect(ids.filter(only(low)).every(only(high))).toBe(true);
  });

  it('always_on / always_off; parentbased_* follow a known parent decision and decide alone otherwise', () => {
    expect(ids.every(only(createSessionSampler(cfg({ sampler: 'always_on' }))))).toBe(true);
    expect(ids.some(only(createSessionSampler(cfg({ sampler: 'always_off' }))))).toBe(false);
    const pbOn = createSessionSampler(cfg({ sampler: 'parentbased_always_on' }));
    expect([pbOn('s'), pbOn('s', false), pbOn('s', true)]).toEqual([true, false, true]);
    const pbOff = createSessionSampler(cfg({ sampler: 'parentbased_always_off' }));
    expect([pbOff('s'), pbOff('s', true)]).toEqual([false, true]);
    const pbRatio = createSessionSampler(cfg({ sampler: 'parentbased_traceidratio', ratio: 0.5 }));
    const root = createSessionSampler(cfg({ ratio: 0.5 }));
    for (const id of ids.slice(0, 200)) {
      expect(pbRatio(id)).toBe(root(id));
      expect(pbRatio(id, true)).toBe(true);
    }
  });

  it('config ratio > OTEL_TRACES_SAMPLER(_ARG) > everything; bad values warn', () => {
    const issues: ConfigIssue[] = [];
    expect(readSampling(undefined, {}, issues)).toEqual({ sampler: 'parentbased_always_on', ratio: 1, applyToAtif: false, source: 'default' });
    expect(readSampling(undefined, { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }, issues)).toMatchObject({ sampler: 'traceidratio', ratio: 0.25, source: 'env' });
    expect(readSampling(undefined, { OTEL_TRACES_SAMPLER: 'always_off' }, issues)).toMatchObject({ sampler: 'always_off', ratio: 0 });
    expect(readSampling({ ratio: 0.1, applyToAtif: true }, { OTEL_TRACES_SAMPLER: 'always_off' }, issues)).toEqual({ sampler: 'parentbased_traceidratio', ratio: 0.1, applyToAtif: true, source: 'config' });
    expect(issues).toEqual([]);
    expect(readSampling(undefined, { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '7' }, issues)).toMatchObject({ ratio: 1 });
    expect(readSampling(undefined, { OTEL_TRACES_SAMPLER: 'jaeger_remote' }, issues).source).toBe('default');
    expect(issues.map((i) => i.path)).toEqual(['$env/OTEL_TRACES_SAMPLER_ARG', '$env/OTEL_TRACES_SAMPLER']);
  });

  it('ATIF is complete unless sampling.applyToAtif opts in; the wrapper field is in the manifest', () => {
    expect(atifIncludesSession(cfg({}), false)).toBe(true);
    expect(atifIncludesSession(cfg({ applyToAtif: true }), false)).toBe(false);
    expect(atifIncludesSession(cfg({ applyToAtif: true }), true)).toBe(true);
    const l = loadConfig({ sampling: { ratio: 0.5, applyToAtif: true } }, {});
    expect(l.issues).toEqual([]);
    expect(l.config.sampling).toMatchObject({ ratio: 0.5, applyToAtif: true, source: 'config' });
  });
});
