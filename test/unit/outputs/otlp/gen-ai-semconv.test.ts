// OTEL_SEMCONV_STABILITY_OPT_IN, read as OpenClaw's diagnostics-otel reads it, switches the
// gen_ai shape: `compat` (default) writes the deprecated gen_ai.system beside
// gen_ai.provider.name; `gen_ai_latest_experimental` writes only the current names. Checked
// end to end: config from the environment, the session fixture exported to a real receiver,
// names read back from decoded protobuf.

import { readFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../../../../src/config/load.ts';
import { genAiSemconvEnv } from '../../../../src/config/otel-env.ts';
import type { GenAiSemconv, OtlpOutputConfig } from '../../../../src/config/types.ts';
import { SEMCONV_SCHEMA_URL, SEMCONV_VERSION } from '../../../../src/outputs/otlp/gen-ai/names.ts';
import { createOtlpOutputSink } from '../../../../src/outputs/otlp/projections.ts';
import { startOtlpReceiver } from '../../../support/otlp-receiver.ts';
import type { OtlpReceiver, ReceivedSpan } from '../../../support/otlp-receiver.ts';
import { IDS, TREE_SPAN_COUNT, buildTree, exportTree, otlpConfig } from './session-fixture.ts';

const OPT_IN = 'OTEL_SEMCONV_STABILITY_OPT_IN';
const traces = (type: string) => ({
  plugins: { components: [{ kind: 'observability', config: { version: 4, opentelemetry: { enabled: true, endpoints: [{ type, endpoint: 'http://127.0.0.1:1/v1/traces' }] } } }] },
});

describe('OTEL_SEMCONV_STABILITY_OPT_IN', () => {
  it('is a comma list of trimmed entries; only the exact gen_ai_latest_experimental selects the latest shape', () => {
    const mode = (v: string | undefined) => genAiSemconvEnv(v === undefined ? {} : { [OPT_IN]: v });
    expect(mode(undefined)).toBe('compat');
    expect(mode('')).toBe('compat');
    expect(mode('gen_ai_latest_experimental')).toBe('latest_experimental');
    expect(mode(' http/dup , gen_ai_latest_experimental ,database')).toBe('latest_experimental');
    expect(mode('http,database/dup')).toBe('compat');
    expect(mode('gen_ai_latest_experimental_v2')).toBe('compat');
    expect(mode('GEN_AI_LATEST_EXPERIMENTAL')).toBe('compat');
  });

  it('reaches every trace output through loadConfig, with no config issue either way', () => {
    for (const type of ['gen_ai', 'full', 'openinference']) {
      const latest = loadConfig(traces(type), { [OPT_IN]: 'http,gen_ai_latest_experimental' });
      const compat = loadConfig(traces(type), { [OPT_IN]: 'http' });
      expect(latest.config.otlp[0]!.genAiSemconv).toBe('latest_experimental');
      expect(compat.config.otlp[0]!.genAiSemconv).toBe('compat');
      expect(loadConfig(traces(type), {}).config.otlp[0]!.genAiSemconv).toBe('compat');
      expect([...latest.issues, ...compat.issues]).toEqual([]);
    }
  });

  it('states the semantic-conventions version in use: the installed package version', () => {
    // The package's exports map hides package.json: read the installed file itself.
    const file = new URL('../../../../node_modules/@opentelemetry/semantic-conventions/package.json', import.meta.url);
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version: string };
    expect(SEMCONV_VERSION).toBe(pkg.version);
    expect(SEMCONV_SCHEMA_URL).toBe(`https://opentelemetry.io/schemas/${pkg.version}`);
  });
});

async function exportWith(config: OtlpOutputConfig, receiver: OtlpReceiver): Promise<ReceivedSpan[]> {
  receiver.clear();
  const sink = createOtlpOutputSink(config);
  exportTree(sink, buildTree());
  await sink.flush();
  await sink.shutdown();
  return receiver.spans();
}

const genAiKeys = (s: ReceivedSpan) => Object.keys(s.attributes).filter((k) => k.startsWith('gen_ai.')).sort();

describe('the gen_ai shape on the wire, per mode', () => {
  let receiver: OtlpReceiver;
  const got: Record<GenAiSemconv, ReceivedSpan[]> = { compat: [], latest_experimental: [] };
  const span = (mode: GenAiSemconv, id: string) => {
    const s = got[mode].find((x) => x.spanId === id);
    if (!s) throw new Error(`no span ${id} in ${mode}`);
    return s;
  };

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    // The configs come from loadConfig and the environment, as in the gateway; only the
    // endpoint is pointed at the receiver.
    for (const [mode, value] of [['compat', undefined], ['latest_experimental', 'gen_ai_latest_experimental']] as const) {
      const loaded = loadConfig(traces('gen_ai'), value === undefined ? {} : { [OPT_IN]: value }).config.otlp[0]!;
      got[mode] = await exportWith({ ...loaded, endpoint: receiver.url, scheduledDelayMillis: 20 }, receiver);
    }
  });
  afterAll(() => receiver.close());

  it('exports the whole fixture tree in both modes, with the same span names', () => {
    expect(got.compat).toHaveLength(TREE_SPAN_COUNT);
    expect(got.latest_experimental).toHaveLength(TREE_SPAN_COUNT);
    for (const s of got.compat) expect(span('latest_experimental', s.spanId).name).toBe(s.name);
    expect(span('latest_experimental', IDS.call1).name).toBe('chat gpt-test-1');
  });

  it('compat: gen_ai.system carries the provider beside gen_ai.provider.name, on every span that names one', () => {
    const call = span('compat', IDS.call1).attributes;
    expect(call).toMatchObject({ 'gen_ai.provider.name': 'openai', 'gen_ai.system': 'openai', 'gen_ai.operation.name': 'chat' });
    const withProvider = got.compat.filter((s) => s.attributes['gen_ai.provider.name'] !== undefined);
    expect(withProvider.length).toBeGreaterThan(0);
    for (const s of withProvider) expect(s.attributes['gen_ai.system']).toBe(s.attributes['gen_ai.provider.name']);
  });

  it('gen_ai_latest_experimental: no gen_ai.system anywhere; otherwise exactly the compat names and values', () => {
    for (const s of got.latest_experimental) expect(s.attributes).not.toHaveProperty('gen_ai.system');
    expect(span('latest_experimental', IDS.call1).attributes).toMatchObject({
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-test-1',
      'gen_ai.usage.input_tokens': 570,
      'gen_ai.usage.output_tokens': 30,
    });
    for (const s of got.compat) {
      const latest = span('latest_experimental', s.spanId);
      expect(genAiKeys(latest)).toEqual(genAiKeys(s).filter((k) => k !== 'gen_ai.system'));
      const { ['gen_ai.system']: _dropped, ...rest } = s.attributes;
      expect(latest.attributes).toEqual(rest);
    }
  });

  it('both modes: token counts under gen_ai.usage.input_tokens / output_tokens, never the old prompt/completion names', () => {
    for (const s of [...got.compat, ...got.latest_experimental]) {
      for (const k of Object.keys(s.attributes)) expect(k).not.toMatch(/^gen_ai\.usage\.(prompt|completion)_tokens$/);
    }
  });

  it('names the schema the gen_ai names follow on the instrumentation scope', () => {
    for (const s of [...got.compat, ...got.latest_experimental]) {
      expect(s.scope.name).toBe('nemo-relay');
      expect(s.scopeSchemaUrl).toBe(SEMCONV_SCHEMA_URL);
    }
  });
});

describe('the other projections', () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(() => receiver.close());

  it('full: the switch applies to its gen_ai half; the OpenInference half is unchanged', async () => {
    const latest = await exportWith(otlpConfig(receiver.url, { projection: 'full', genAiSemconv: 'latest_experimental' }), receiver);
    const compat = await exportWith(otlpConfig(receiver.url, { projection: 'full' }), receiver);
    const call = (spans: ReceivedSpan[]) => spans.find((s) => s.spanId === IDS.call1)!.attributes;
    expect(call(latest)).not.toHaveProperty('gen_ai.system');
    expect(call(compat)['gen_ai.system']).toBe('openai');
    expect(call(latest)['openinference.span.kind']).toBe('LLM');
    expect(call(latest)['llm.provider']).toBe(call(compat)['llm.provider']);
    expect(latest[0]!.scopeSchemaUrl).toBe(SEMCONV_SCHEMA_URL);
  });

  it('openinference: not OTel semantic conventions, so no schema_url and no gen_ai name at all', async () => {
    const spans = await exportWith(otlpConfig(receiver.url, { projection: 'openinference', genAiSemconv: 'compat' }), receiver);
    expect(spans).toHaveLength(TREE_SPAN_COUNT);
    for (const s of spans) {
      expect(s.scopeSchemaUrl).toBeUndefined();
      expect(genAiKeys(s)).toEqual([]);
    }
  });
});
