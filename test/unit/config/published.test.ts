// The published plugin's own configs (guide, v3 with grpc, v4 with metrics, logs, atif.storage
// and atof): OpenClaw's manifest check lets them through, and the plugin normalizes them with
// no error (warnings only, for fields it accepts without implementing).

import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.ts';
import { NOT_IMPLEMENTED } from '../../../src/config/unimplemented.ts';

const read = (p: string) => JSON.parse(readFileSync(new URL(`../../../${p}`, import.meta.url), 'utf8'));
const manifest = read('openclaw.plugin.json');
const hostCheck = new Ajv2020({ strict: false }).compile(manifest.configSchema);
// The published v3 config names AWS_SECRET_ACCESS_KEY for its S3 store: a gateway running it has it set.
const ENV = { OPENCLAW_STATE_DIR: '/state', OTLP_AUTH: 'Bearer t0ken', AWS_SECRET_ACCESS_KEY: 'secret' };

describe('published configs', () => {
  for (const file of ['guide', 'v3-grpc', 'v4-metrics-logs']) {
    it(`${file}: the manifest schema OpenClaw applies accepts it, and it loads without errors`, () => {
      const raw = read(`fixtures/published-config/${file}.json`);
      expect(hostCheck(raw), JSON.stringify(hostCheck.errors)).toBe(true);
      const { issues, invalid } = loadConfig(raw, ENV);
      expect(invalid).toBe(false);
      expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
    });
  }

  it('the manifest has no enum or type inside plugins that could reject a new published value', () => {
    const odd = { plugins: { version: 9, anything: [1], components: [{ kind: 'observability', config: { version: 5, opentelemetry: { transport: 'quic', endpoints: 'x' } } }, { kind: 42 }] } };
    expect(hostCheck(odd)).toBe(true);
    expect(hostCheck({ enabled: 'yes' })).toBe(false); // the wrapper keeps its types
  });

  it('v3: every endpoint field lands in the normalized config', () => {
    const { config, issues } = loadConfig(read('fixtures/published-config/v3-grpc.json'), ENV);
    const [grpc, oi, full] = config.otlp;
    expect(grpc).toMatchObject({
      name: 'opentelemetry.endpoints[0]', projection: 'gen_ai', transport: 'grpc', endpoint: 'http://collector.example.com:4317',
      headers: { 'x-tenant': 'acme' }, serviceName: 'openclaw', serviceNamespace: 'agents', serviceVersion: '2026.9.6',
      resourceAttributes: { 'deployment.environment.name': 'prod' }, timeoutMillis: 5000,
      instrumentationScope: { name: 'nemo-relay', version: '0.9.2' }, maxQueueSize: 4096, maxExportBatchSize: 128,
      scheduledDelayMillis: 500, completedSpanContextTtlMillis: 300000,
    });
    expect(oi).toMatchObject({
      projection: 'openinference', enabled: true, transport: 'http_binary', markProjection: 'event', markExcludeNames: ['heartbeat'],
      attributeMappings: [{ key: 'gen_ai.conversation.id', alias: 'session.id' }], promoteMetadataPrefixes: ['app.'], promoteResourceMetadataPrefixes: ['env.'],
    });
    // A bare origin gets the signal path; header_env reads the variable.
    expect(full).toMatchObject({ projection: 'full', endpoint: 'https://otlp.example.com/v1/traces', headers: { authorization: 'Bearer t0ken' }, compression: 'gzip', enabled: true });
    expect(config.atif).toMatchObject({ agentVersion: '1.2.3', modelName: 'nemotron', filenameTemplate: 'nemo-relay-atif-{session_id}.json', outputDirectory: '/state/nemo-relay-atif' });
    expect(config.atif!.storage).toEqual([{
      type: 's3', name: 'atif.storage[0]', enabled: true, bucket: 'trajectories', key_prefix: 'openclaw/', region: 'us-east-1',
      access_key_id: 'AKIAEXAMPLE', secret_access_key_var: 'AWS_SECRET_ACCESS_KEY', endpoint_url: 'https://s3.example.com', allow_http: false,
      // This plugin's own knobs, at their defaults.
      timeout_millis: 30000, upload_checkpoints: false, max_attempts: 10, retry_initial_millis: 1000, retry_max_millis: 300000,
    }]);
    expect(JSON.stringify(config)).not.toContain('"secret"');
    // Accepted-but-not-implemented fields are named, as warnings.
    expect(issues.map((i) => i.path)).toContain('/plugins/components/0/config/opentelemetry/endpoints/0/completed_span_context_ttl_millis');
    expect(JSON.stringify(issues)).not.toContain('t0ken');
  });

  it('v4: metrics, logs, atif.storage list and atof sinks are normalized', () => {
    const { config } = loadConfig(read('fixtures/published-config/v4-metrics-logs.json'), ENV);
    expect(config.metrics).toMatchObject({
      enabled: true, exportIntervalMillis: 10000, temporality: 'delta', maxInstruments: 50, cardinalityLimit: 500, serviceName: 'openclaw-nemo-relay',
    });
    expect(config.metrics!.endpoints.map((e) => [e.name, e.transport, e.endpoint, e.enabled])).toEqual([
      ['opentelemetry.metrics.endpoints[0]', 'http_binary', 'http://localhost:4318/v1/metrics', true],
      ['opentelemetry.metrics.endpoints[1]', 'grpc', 'http://localhost:4317', true],
    ]);
    expect(config.logs).toMatchObject({ enabled: true, minimumSeverity: 'warn', minimumSeverityNumber: 13, maxQueueSize: 1000, maxExportBatchSize: 100, scheduledDelayMillis: 200 });
    expect(config.logs!.endpoints[0]).toMatchObject({ endpoint: 'http://localhost:4318/v1/logs', transport: 'http_binary', compression: 'none' });
    expect(config.atif!.storage!.map((s) => [s.type, s.enabled])).toEqual([['s3', true], ['http', true]]);
    expect(config.atif!.storage![1]).toMatchObject({ endpoint: 'https://ingest.example.com/atif', headers: { 'x-api': 'k' }, timeout_millis: 3000 });
    expect(config.atif).toMatchObject({ toolDefinitions: [{ name: 'exec' }], extra: { team: 'a' } });
    expect(config.atof!.sinks).toEqual([
      {
        type: 'file', name: 'atof.sinks[0]', enabled: true, output_directory: '/state/nemo-relay-atof', filename: 'events.jsonl', mode: 'append',
        max_file_bytes: 64 * 1024 * 1024, max_file_age_millis: 24 * 3600_000, max_files: 5, max_queue_bytes: 8 * 1024 * 1024,
      },
      {
        type: 'stream', name: 'live', enabled: true, url: 'ws://127.0.0.1:9000/events', transport: 'websocket', headers: {}, timeout_millis: 10000, field_name_policy: 'replace_dots',
        max_queue_bytes: 8 * 1024 * 1024, max_queue_records: 10_000, max_batch_records: 500, retry_initial_millis: 500, retry_max_millis: 30_000,
      },
    ]);
    expect(config.adaptive?.enabled).toBe(true);
  });

  it('the not-implemented list names only fields the plugin schema knows', () => {
    const schema = JSON.stringify(read('schemas/plugins.schema.json'));
    for (const p of NOT_IMPLEMENTED) expect(schema).toContain(`"${p.split('/').at(-1)}"`);
  });
});
