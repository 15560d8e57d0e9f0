// Config: the guide config, the manifest/schema identity, clear issues, policies, env defaults.

import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.ts';

const read = (p: string) => JSON.parse(readFileSync(new URL(`../../../${p}`, import.meta.url), 'utf8'));

const GUIDE = {
  enabled: true, backend: 'hooks',
  plugins: { version: 1, components: [
    { kind: 'observability', enabled: true, config: { version: 1,
      atif: { enabled: true, agent_name: 'openclaw', output_directory: './nemo-relay-atif' },
      opentelemetry: { enabled: false, transport: 'http_binary', endpoint: 'http://localhost:4318/v1/traces', service_name: 'openclaw-nemo-relay' },
      openinference: { enabled: false, transport: 'http_binary', endpoint: 'http://localhost:6006/v1/traces', service_name: 'openclaw-nemo-relay' } } },
    { kind: 'adaptive', enabled: true, config: { version: 1, agent_id: 'openclaw',
      state: { backend: { kind: 'in_memory', config: {} } },
      telemetry: { learners: ['tool_parallelism'] } } } ] },
  capture: { includePrompts: true, includeResponses: true, stripToolArgs: true, stripToolResults: true },
  correlation: { llmOutputGraceMs: 250, recordTtlMs: 600000, maxRecordsPerKey: 32 },
};

describe('config', () => {
  it('the manifest configSchema is schemas/config.schema.json (run `npm run sync-manifest` after editing the schema)', () => {
    expect(read('openclaw.plugin.json').configSchema).toEqual(read('schemas/config.schema.json'));
  });

  it('accepts the published guide config as is, with the same schema OpenClaw applies', () => {
    const hostView = new Ajv2020({ strict: false }).compile(read('schemas/config.schema.json'));
    expect(hostView(GUIDE)).toBe(true);
    const { config, issues, invalid } = loadConfig(GUIDE, { OPENCLAW_STATE_DIR: '/state' });
    expect(issues).toEqual([]);
    expect(invalid).toBe(false);
    expect(config.atif).toEqual({ enabled: true, agentName: 'openclaw', outputDirectory: '/state/nemo-relay-atif', filenameTemplate: '{session_id}.json', storage: [] });
    expect(config.otlp.map((o) => [o.name, o.enabled, o.projection])).toEqual([
      ['opentelemetry', false, 'gen_ai'],
      ['openinference', false, 'openinference'],
    ]);
    expect(config.adaptive?.learners).toEqual(['tool_parallelism']);
    expect(config.correlation.llmOutputGraceMs).toBe(250);
  });

  it('names path, expectation and finding for every problem, and never echoes a secret', () => {
    const { issues, invalid } = loadConfig({
      enabled: 'yes',
      correlation: { maxRecordsPerKey: 0 },
      plugins: { components: [{ kind: 'observability', config: { opentelemetry: { headers: { authorization: 12345 } } } }] },
    });
    expect(invalid).toBe(true);
    expect(issues).toContainEqual(expect.objectContaining({ path: '/enabled', expected: 'boolean', found: 'the string "yes"', severity: 'error' }));
    expect(issues).toContainEqual(expect.objectContaining({ path: '/correlation/maxRecordsPerKey', expected: 'a number >= 1', found: 'the number 0' }));
    const header = issues.find((i) => i.path.endsWith('/headers/authorization'))!;
    expect(header.found).toBe('[redacted]');
    expect(JSON.stringify(issues)).not.toContain('12345');
  });

  it('applies plugins.policy to unknown fields, components and values', () => {
    const typo = { plugins: { components: [{ kind: 'observability', config: { atif: { output_dir: 'x' } } }] } };
    expect(loadConfig(typo).issues[0]).toMatchObject({ path: '/plugins/components/0/config/atif/output_dir', severity: 'warning' });
    expect(loadConfig(typo).config.atif?.enabled).toBe(true);
    const strict = loadConfig({ plugins: { ...typo.plugins, policy: { unknown_field: 'error' } } });
    expect(strict.issues[0]!.severity).toBe('error');
    // Even then only ATIF (the section the field is in) is off, with the reason.
    expect(strict.invalid).toBe(false);
    expect(strict.config.atif).toMatchObject({ enabled: false, disabledReason: expect.stringContaining('output_dir') });
    expect(loadConfig({ plugins: { ...typo.plugins, policy: { unknown_field: 'ignore' } } }).issues).toEqual([]);
    // The host (OpenClaw) must let unknown plugin fields through so the policy can decide.
    expect(new Ajv2020({ strict: false }).compile(read('schemas/config.schema.json'))(typo)).toBe(true);
    const unknownKind = loadConfig({ plugins: { components: [{ kind: 'guardrails' }] } });
    expect(unknownKind.invalid).toBe(false);
    expect(unknownKind.issues[0]).toMatchObject({ severity: 'warning', path: '/plugins/components/0/kind' });
    const learner = loadConfig({ plugins: { components: [{ kind: 'adaptive', config: { telemetry: { learners: ['nope'] } } }] } });
    expect(learner.issues[0]).toMatchObject({ path: '/plugins/components/0/config/telemetry/learners/0', severity: 'error' });
    expect(learner.invalid).toBe(false);
    expect(learner.config.adaptive).toMatchObject({ enabled: false, disabledReason: expect.stringContaining('nope') });
    const backend = loadConfig({ plugins: { policy: { unsupported_value: 'warn' }, components: [{ kind: 'adaptive', config: { state: { backend: { kind: 'redis' } } } }] } });
    expect(backend.invalid).toBe(false);
    expect(backend.config.adaptive).toBeUndefined();
  });

  it('falls back to the standard OTEL_* variables and reads header values from the environment', () => {
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=a%20b,api-key=secret1',
      OTEL_SERVICE_NAME: 'svc',
      PHOENIX_PROJECT_NAME: 'proj',
      TOKEN_VAR: 'Bearer abc',
    };
    const { config, issues } = loadConfig(
      { plugins: { components: [{ kind: 'observability', config: { opentelemetry: { enabled: true }, openinference: { enabled: true, headers_from_env: { authorization: 'TOKEN_VAR', 'x-missing': 'UNSET_VAR' } } } }] } },
      env,
    );
    const [otel, oi] = config.otlp;
    expect(otel).toMatchObject({ endpoint: 'http://collector:4318/v1/traces', serviceName: 'svc', headers: { 'x-tenant': 'a b', 'api-key': 'secret1' } });
    expect(oi).toMatchObject({ projectName: 'proj', headers: { authorization: 'Bearer abc' } });
    expect(issues).toEqual([expect.objectContaining({ severity: 'warning', path: expect.stringContaining('headers_from_env/x-missing') })]);
    expect(JSON.stringify(issues)).not.toContain('Bearer abc');
  });

  it('compression auto (the default): none for a collector on this host, gzip for any other; explicit values win', () => {
    const compressionFor = (endpoint: string, compression?: string) =>
      loadConfig({ plugins: { components: [{ kind: 'observability', config: { opentelemetry: { enabled: true, endpoint, ...(compression ? { compression } : {}) } } }] } }).config.otlp[0]!.compression;
    expect(compressionFor('http://localhost:4318/v1/traces')).toBe('none');
    expect(compressionFor('http://127.0.0.1:4318/v1/traces')).toBe('none');
    expect(compressionFor('http://[::1]:4318/v1/traces')).toBe('none');
    expect(compressionFor('https://collector.example.com/v1/traces')).toBe('gzip');
    expect(compressionFor('http://10.0.0.7:4318/v1/traces')).toBe('gzip');
    expect(compressionFor('http://localhost:4318/v1/traces', 'gzip')).toBe('gzip');
    expect(compressionFor('https://collector.example.com/v1/traces', 'none')).toBe('none');
    expect(compressionFor('http://localhost:4318/v1/traces', 'auto')).toBe('none');
  });

  it('accepts the published v3 endpoints form', () => {
    const { config, issues } = loadConfig({ plugins: { components: [{ kind: 'observability', config: { version: 3, opentelemetry: { enabled: true, endpoints: [
      { type: 'full', transport: 'http_binary', endpoint: 'http://a/v1/traces', service_name: 's' },
      { type: 'openinference', endpoint: 'http://b/v1/traces' },
    ] } } }] } });
    expect(issues).toEqual([]);
    expect(config.otlp.map((o) => [o.projection, o.endpoint, o.enabled])).toEqual([['full', 'http://a/v1/traces', true], ['openinference', 'http://b/v1/traces', true]]);
  });
});
