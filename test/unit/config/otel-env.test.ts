// The standard OTEL_* / PHOENIX_* environment fills what the config leaves out:
// config > OTEL_EXPORTER_OTLP_<SIGNAL>_* > OTEL_EXPORTER_OTLP_* > default.

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.ts';

const traces = (endpoint: Record<string, unknown> = {}) => ({ plugins: { components: [{ kind: 'observability', config: { opentelemetry: { enabled: true, ...endpoint } } }] } });
const v4 = (section: Record<string, unknown>) => ({ plugins: { components: [{ kind: 'observability', config: { version: 4, opentelemetry: { metrics: { enabled: true, ...section }, logs: { enabled: true, ...section } } } }] } });

describe('OTEL_* environment', () => {
  it('endpoint: config, then the signal variable as is, then the generic one + /v1/<signal>, then the default', () => {
    const env = { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:1/custom', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://g:2/base/' };
    expect(loadConfig(traces({ endpoint: 'http://c:3/v1/traces' }), env).config.otlp[0]!.endpoint).toBe('http://c:3/v1/traces');
    expect(loadConfig(traces(), env).config.otlp[0]!.endpoint).toBe('http://t:1/custom');
    expect(loadConfig(traces(), { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://g:2/base/' }).config.otlp[0]!.endpoint).toBe('http://g:2/base/v1/traces');
    expect(loadConfig(traces(), {}).config.otlp[0]!.endpoint).toBe('http://localhost:4318/v1/traces');
    const m = loadConfig(v4({}), { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://g:2', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://l:9/logs' }).config;
    expect(m.metrics!.endpoints[0]!.endpoint).toBe('http://g:2/v1/metrics');
    expect(m.logs!.endpoints[0]!.endpoint).toBe('http://l:9/logs');
  });

  it('protocol: grpc / http/protobuf from the signal variable over the generic one; http/json warns and sends protobuf; config wins', () => {
    const t = (env: Record<string, string>, cfg: Record<string, unknown> = {}) => loadConfig(traces(cfg), env);
    expect(t({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).config.otlp[0]).toMatchObject({ transport: 'grpc', endpoint: 'http://localhost:4317' });
    expect(t({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' }).config.otlp[0]!.transport).toBe('http_binary');
    expect(t({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' }, { transport: 'http_binary' }).config.otlp[0]!.transport).toBe('http_binary');
    // gRPC addresses a service: the generic endpoint is used without a signal path.
    expect(t({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'https://g:4317' }).config.otlp[0]!.endpoint).toBe('https://g:4317');
    const json = t({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    expect(json.config.otlp[0]!.transport).toBe('http_binary');
    expect(json.issues).toEqual([expect.objectContaining({ path: '$env/OTEL_EXPORTER_OTLP_PROTOCOL', severity: 'warning' })]);
    const bad = t({ OTEL_EXPORTER_OTLP_PROTOCOL: 'carrier-pigeon' });
    expect(bad.config.otlp[0]).toMatchObject({ transport: 'http_binary', enabled: true });
    expect(bad.invalid).toBe(false);
    expect(loadConfig(v4({}), { OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'grpc' }).config.metrics!.endpoints[0]!.transport).toBe('grpc');
  });

  it('headers: generic merged under the signal ones (OTel exporter rule), replaced by the config headers', () => {
    const env = { OTEL_EXPORTER_OTLP_HEADERS: 'a=1,b=2', OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'b=3,c=x%20y' };
    expect(loadConfig(traces(), env).config.otlp[0]!.headers).toEqual({ a: '1', b: '3', c: 'x y' });
    expect(loadConfig(traces({ headers: { z: '9' } }), env).config.otlp[0]!.headers).toEqual({ z: '9' });
    expect(loadConfig(v4({}), { OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'm=1' }).config.metrics!.endpoints[0]!.headers).toEqual({ m: '1' });
  });

  it('timeout and compression: config > signal > generic > default; invalid values warn and are ignored', () => {
    const env = { OTEL_EXPORTER_OTLP_TIMEOUT: '3000', OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '2000', OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' };
    expect(loadConfig(traces({ endpoint: 'http://localhost:4318/v1/traces' }), env).config.otlp[0]).toMatchObject({ timeoutMillis: 2000, compression: 'gzip' });
    expect(loadConfig(traces({ timeout_millis: 500, compression: 'none' }), env).config.otlp[0]).toMatchObject({ timeoutMillis: 500, compression: 'none' });
    expect(loadConfig(v4({}), env).config.logs!.endpoints[0]).toMatchObject({ timeoutMillis: 3000, compression: 'gzip' });
    const bad = loadConfig(traces(), { OTEL_EXPORTER_OTLP_TIMEOUT: 'soon', OTEL_EXPORTER_OTLP_COMPRESSION: 'zstd' });
    expect(bad.config.otlp[0]).toMatchObject({ timeoutMillis: 10000, compression: 'none' });
    expect(bad.issues.map((i) => [i.path, i.severity])).toEqual([['$env/OTEL_EXPORTER_OTLP_TIMEOUT', 'warning'], ['$env/OTEL_EXPORTER_OTLP_COMPRESSION', 'warning']]);
  });

  it('service name and resource attributes: config > OTEL_SERVICE_NAME > service.name in OTEL_RESOURCE_ATTRIBUTES > default', () => {
    const attrs = { OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs,deployment.environment.name=prod,team=a%2Cb' };
    expect(loadConfig(traces(), attrs).config.otlp[0]).toMatchObject({ serviceName: 'from-attrs', resourceAttributes: { 'deployment.environment.name': 'prod', team: 'a,b' } });
    expect(loadConfig(traces(), { ...attrs, OTEL_SERVICE_NAME: 'svc' }).config.otlp[0]!.serviceName).toBe('svc');
    expect(loadConfig(traces({ service_name: 'cfg', resource_attributes: { team: 'c' } }), { ...attrs, OTEL_SERVICE_NAME: 'svc' }).config.otlp[0]).toMatchObject({ serviceName: 'cfg', resourceAttributes: { team: 'c' } });
    expect(loadConfig(traces(), {}).config.otlp[0]!.serviceName).toBe('openclaw-nemo-relay');
    expect(loadConfig(v4({}), { OTEL_SERVICE_NAME: 'svc' }).config.metrics!.serviceName).toBe('svc');
  });

  it('OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT (and the span-specific one first)', () => {
    expect(loadConfig(traces(), { OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '4096' }).config.otlp[0]!.attributeValueLengthLimit).toBe(4096);
    expect(loadConfig(traces(), { OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '4096', OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '100' }).config.otlp[0]!.attributeValueLengthLimit).toBe(100);
    expect(loadConfig(traces(), {}).config.otlp[0]!.attributeValueLengthLimit).toBeUndefined();
    expect(loadConfig(v4({}), { OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '64' }).config.logs!.attributeValueLengthLimit).toBe(64);
  });

  it('OTEL_SDK_DISABLED=true switches every OTel output off with the reason; ATIF is not OTel', () => {
    const raw = { plugins: { components: [{ kind: 'observability', config: { version: 4, atif: {}, opentelemetry: { enabled: true, metrics: { enabled: true }, logs: { enabled: true } }, openinference: { enabled: true } } }] } };
    const l = loadConfig(raw, { OTEL_SDK_DISABLED: 'TRUE' });
    expect(l.config.otlp.map((o) => [o.enabled, o.disabledReason])).toEqual([[false, 'OTEL_SDK_DISABLED=true'], [false, 'OTEL_SDK_DISABLED=true']]);
    expect([l.config.metrics!.enabled, l.config.logs!.enabled, l.config.atif!.enabled]).toEqual([false, false, true]);
    expect(loadConfig(raw, { OTEL_SDK_DISABLED: 'false' }).config.otlp.every((o) => o.enabled)).toBe(true);
  });

  it('PHOENIX_COLLECTOR_ENDPOINT / PHOENIX_API_KEY / PHOENIX_PROJECT_NAME apply to OpenInference outputs only', () => {
    const raw = { plugins: { components: [{ kind: 'observability', config: { opentelemetry: { enabled: true }, openinference: { enabled: true } } }] } };
    const env = { PHOENIX_COLLECTOR_ENDPOINT: 'https://app.phoenix.arize.com', PHOENIX_API_KEY: 'pk-1', PHOENIX_PROJECT_NAME: 'proj', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    const [otel, oi] = loadConfig(raw, env).config.otlp;
    expect(otel).toMatchObject({ endpoint: 'http://collector:4318/v1/traces', headers: {} });
    expect(oi).toMatchObject({ endpoint: 'https://app.phoenix.arize.com/v1/traces', headers: { authorization: 'Bearer pk-1' }, projectName: 'proj' });
    // A configured authorization header is not overridden.
    const own = loadConfig({ plugins: { components: [{ kind: 'observability', config: { openinference: { enabled: true, headers: { Authorization: 'mine' } } } }] } }, env);
    expect(own.config.otlp[0]!.headers).toEqual({ Authorization: 'mine' });
  });
});

describe('logs minimum_severity', () => {
  const sev = (minimum_severity: unknown) => loadConfig({ plugins: { components: [{ kind: 'observability', config: { version: 4, opentelemetry: { logs: { enabled: true, minimum_severity } } } }] } }, {});
  it('a level name in any case, warning = warn, or a SeverityNumber; anything else warns and uses info', () => {
    expect(['DEBUG', 'Warning', 'error', 17, 20, 1].map((v) => [sev(v).config.logs!.minimumSeverity, sev(v).config.logs!.minimumSeverityNumber])).toEqual([
      ['debug', 5], ['warn', 13], ['error', 17], ['error', 17], ['error', 17], ['trace', 1],
    ]);
    const odd = sev('loud');
    expect(odd.config.logs).toMatchObject({ enabled: true, minimumSeverity: 'info' });
    expect(odd.issues).toContainEqual(expect.objectContaining({ severity: 'warning', path: '/plugins/components/0/config/opentelemetry/logs/minimum_severity' }));
    expect(odd.issues.every((i) => i.severity === 'warning')).toBe(true);
  });
});
