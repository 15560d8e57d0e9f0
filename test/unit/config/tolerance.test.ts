// A config problem switches off only what it belongs to: one endpoint, one section, one
// component. Only a config that means nothing as a whole switches everything off.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.ts';

const obs = (config: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ plugins: { ...extra, components: [{ kind: 'observability', config }] } });
const states = (l: ReturnType<typeof loadConfig>) => l.config.otlp.map((o) => [o.name, o.enabled]);

describe('config tolerance', () => {
  it('a wrapper that is not an object, or a wrapper field of the wrong type, switches everything off', () => {
    expect(loadConfig('nonsense').invalid).toBe(true);
    expect(loadConfig({ correlation: { recordTtlMs: -1 } }).invalid).toBe(true);
    expect(loadConfig({ sampling: { ratio: 2 } }).invalid).toBe(true);
  });

  it('an endpoint that is not a URL switches off that endpoint only, with the reason', () => {
    const l = loadConfig(obs({ atif: {}, opentelemetry: { endpoints: [{ endpoint: 'collector:4318' }, { endpoint: 'http://ok:4318/v1/traces' }] }, openinference: { enabled: true, endpoint: 'ftp://x' } }), {});
    expect(l.invalid).toBe(false);
    expect(states(l)).toEqual([['opentelemetry.endpoints[0]', false], ['opentelemetry.endpoints[1]', true], ['openinference', false]]);
    expect(l.config.otlp[0]!.disabledReason).toContain('not an http:// or https:// URL');
    expect(l.config.otlp[2]!.disabledReason).toContain('"ftp://x"');
    expect(l.config.atif?.enabled).toBe(true);
    expect(l.issues.filter((i) => i.severity === 'error').map((i) => i.path)).toEqual([
      '/plugins/components/0/config/opentelemetry/endpoints/0/endpoint',
      '/plugins/components/0/config/openinference/endpoint',
    ]);
  });

  it('an unknown transport or projection type switches off that endpoint, whatever the policy', () => {
    for (const unsupported_value of ['error', 'warn', 'ignore']) {
      const l = loadConfig(obs({ opentelemetry: { endpoints: [{ endpoint: 'http://a:4318', transport: 'quic' }, { endpoint: 'http://b:4318', type: 'phoenix' }, { endpoint: 'http://c:4318' }] } }, { policy: { unsupported_value } }), {});
      expect(states(l)).toEqual([['opentelemetry.endpoints[0]', false], ['opentelemetry.endpoints[1]', false], ['opentelemetry.endpoints[2]', true]]);
      expect(l.config.otlp[0]!.disabledReason).toBe('transport "quic" is not http_binary or grpc');
      expect(l.invalid).toBe(false);
    }
  });

  it('unknown fields warn by default and never switch anything off; policy error switches off the section they are in', () => {
    const cfg = { atif: { enabled: true }, opentelemetry: { endpoints: [{ endpoint: 'http://a:4318', future_field: 1 }, { endpoint: 'http://b:4318' }], metrics: { enabled: true, surprise: true } }, brand_new_section: {} };
    const warn = loadConfig(obs(cfg), {});
    expect(warn.issues.filter((i) => i.found.startsWith('unknown field')).map((i) => [i.path, i.severity])).toEqual([
      ['/plugins/components/0/config/brand_new_section', 'warning'],
      ['/plugins/components/0/config/opentelemetry/endpoints/0/future_field', 'warning'],
      ['/plugins/components/0/config/opentelemetry/metrics/surprise', 'warning'],
    ]);
    expect(states(warn)).toEqual([['opentelemetry.endpoints[0]', true], ['opentelemetry.endpoints[1]', true]]);
    expect(warn.config.metrics?.enabled).toBe(true);

    // A field in an endpoint / in metrics: that endpoint / metrics off. A field at the
    // component's top: that component off (it cannot tell what the field was meant to change).
    const { brand_new_section: _, ...strictCfg } = cfg;
    const strict = loadConfig(obs(strictCfg, { policy: { unknown_field: 'error' } }), {});
    expect(states(strict)).toEqual([['opentelemetry.endpoints[0]', false], ['opentelemetry.endpoints[1]', true]]);
    expect(strict.config.metrics?.enabled).toBe(false);
    expect(strict.config.atif?.enabled).toBe(true);
    expect(strict.invalid).toBe(false);
    const whole = loadConfig(obs(cfg, { policy: { unknown_field: 'error' } }), {});
    expect([whole.config.atif?.enabled, ...states(whole).map((s) => s[1])]).toEqual([false, false, false]);
    expect(whole.invalid).toBe(false);
  });

  it("a component's own policy overrides plugins.policy inside that component", () => {
    const l = loadConfig(obs({ policy: { unknown_field: 'ignore' }, atif: { typo: 1 } }, { policy: { unknown_field: 'error' } }), {});
    expect(l.issues).toEqual([]);
    expect(l.config.atif?.enabled).toBe(true);
  });

  it('one bad store or sink is off alone; ATIF and the others keep going', () => {
    const l = loadConfig(obs({
      atif: { storage: [{ type: 's3' }, { type: 'http', endpoint: 'https://ok/atif' }, { type: 's3', bucket: 'b', endpoint_url: 'http://minio:9000' }, { type: 'tape' }] },
      atof: { sinks: [{ type: 'stream', url: 'http://x', transport: 'websocket' }, { type: 'file' }] },
    }), { OPENCLAW_STATE_DIR: '/st' });
    expect(l.invalid).toBe(false);
    expect(l.config.atif?.enabled).toBe(true);
    expect(l.config.atif!.storage!.map((s) => [s.name, s.enabled])).toEqual([['atif.storage[0]', false], ['atif.storage[1]', true], ['atif.storage[2]', false]]);
    expect(l.config.atif!.storage![2]!.disabledReason).toContain('allow_http');
    expect(l.config.atof!.sinks.map((s) => [s.type, s.enabled])).toEqual([['stream', false], ['file', true]]);
    expect(l.config.atof!.sinks[0]!.disabledReason).toContain('ws:// or wss://');
    expect(l.config.atof!.sinks[1]).toMatchObject({ output_directory: '/st/nemo-relay-atof', filename: 'nemo-relay-atof.jsonl', mode: 'append' });
    expect(l.issues).toContainEqual(expect.objectContaining({ path: '/plugins/components/0/config/atif/storage/3/type', severity: 'error' }));
  });

  it('header_file: `Name: value` lines; unreadable switches off that output and never echoes a value', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hdr-'));
    writeFileSync(join(dir, 'h.txt'), '# comment\nAuthorization: Bearer s3cret\n\nx-tenant : acme\nnot a header\n');
    const l = loadConfig(obs({ opentelemetry: { endpoints: [
      { endpoint: 'http://a:4318', header_file: 'h.txt', headers: { 'x-tenant': 'from-config', other: '1' } },
      { endpoint: 'http://b:4318', header_file: 'missing.txt' },
    ] } }), { OPENCLAW_STATE_DIR: dir });
    expect(l.config.otlp[0]).toMatchObject({ enabled: true, headers: { Authorization: 'Bearer s3cret', 'x-tenant': 'acme', other: '1' } });
    expect(l.config.otlp[1]).toMatchObject({ enabled: false, disabledReason: expect.stringContaining('ENOENT') });
    expect(JSON.stringify(l.issues)).not.toContain('s3cret');
  });

  it('config versions 1, 3 and 4 load; another version is read as 4 with a warning', () => {
    for (const version of [1, 3, 4]) expect(loadConfig(obs({ version, atif: {} }), {}).issues).toEqual([]);
    const v7 = loadConfig(obs({ version: 7, atif: {} }), {});
    expect(v7.issues).toEqual([expect.objectContaining({ path: '/plugins/components/0/config/version', severity: 'warning' })]);
    expect(v7.config.atif?.enabled).toBe(true);
  });

  it('a transport grpc trace endpoint is on beside an http_binary one', () => {
    const l = loadConfig(obs({ opentelemetry: { endpoints: [{ endpoint: 'http://a:4317', transport: 'grpc' }, { endpoint: 'http://b:4318' }] } }), {});
    expect(l.config.otlp.map((o) => [o.transport, o.enabled, o.disabledReason])).toEqual([['grpc', true, undefined], ['http_binary', true, undefined]]);
  });
});

describe('config messages', () => {
  it('an unusable endpoint is named without its user:password or query, parseable or not', () => {
    const l = loadConfig(obs({ opentelemetry: { endpoints: [{ endpoint: 'http://u:pw1@ex ample:1/v1/traces?api_key=k1' }, { endpoint: 'ftp://u:pw2@host/x?token=k2' }] } }), {});
    const text = JSON.stringify([l.issues, l.config.otlp.map((o) => o.disabledReason)]);
    for (const secret of ['pw1', 'pw2', 'k1', 'k2']) expect(text).not.toContain(secret);
    expect(l.config.otlp.map((o) => o.enabled)).toEqual([false, false]);
  });
});
