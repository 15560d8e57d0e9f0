// The published endpoint fields that change what a backend sees, read back from a real OTLP
// receiver: service namespace/version, instrumentation scope, mark exclusion, attribute
// mappings, metadata promotion (span and resource) and the attribute value length limit.

import { afterEach, expect, it } from 'vitest';

import type { OtlpOutputConfig } from '../../../../src/config/types.ts';
import { createOtlpOutputSink } from '../../../../src/outputs/otlp/projections.ts';
import { startOtlpReceiver } from '../../../support/otlp-receiver.ts';
import type { ReceivedSpan } from '../../../support/otlp-receiver.ts';
import { IDS, ROOT_SESSION_ID, TREE_SPAN_COUNT, buildTree, exportTree, otlpConfig } from './session-fixture.ts';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function exportWith(extra: Partial<OtlpOutputConfig>): Promise<ReceivedSpan[]> {
  const receiver = await startOtlpReceiver();
  cleanup.push(() => receiver.close());
  const sink = createOtlpOutputSink(otlpConfig(receiver.url, { projection: 'gen_ai', ...extra }), { version: '0.1.0' });
  cleanup.push(() => sink.shutdown());
  exportTree(sink, buildTree());
  await sink.flush();
  return receiver.spans();
}

const byId = (spans: ReceivedSpan[], id: string) => spans.find((s) => s.spanId === id)!;

it('defaults: the plugin scope, marks as events, nothing promoted or mapped', async () => {
  const spans = await exportWith({});
  expect(spans).toHaveLength(TREE_SPAN_COUNT);
  expect(spans[0]!.scope).toEqual({ name: 'nemo-relay', version: '0.1.0' });
  expect(spans.some((s) => s.events.some((e) => e.name === 'usage.mismatch'))).toBe(true);
  expect(byId(spans, IDS.toolRead).attributes['threshold_ms']).toBeUndefined();
  expect(spans[0]!.resource['service.namespace']).toBeUndefined();
});

it('applies every shaping field of the endpoint', async () => {
  const spans = await exportWith({
    serviceNamespace: 'agents',
    serviceVersion: '2026.9.6',
    instrumentationScope: { name: 'acme-relay', version: '9.9' },
    markExcludeNames: ['usage.mismatch'],
    attributeMappings: [{ key: 'gen_ai.conversation.id', alias: 'conversation' }],
    promoteMetadataPrefixes: ['threshold'],
    promoteResourceMetadataPrefixes: ['threshold'],
    attributeValueLengthLimit: 12,
  });
  expect(spans).toHaveLength(TREE_SPAN_COUNT);
  for (const s of spans) {
    expect(s.scope).toEqual({ name: 'acme-relay', version: '9.9' });
    expect(s.resource).toMatchObject({ 'service.namespace': 'agents', 'service.version': '2026.9.6' });
    expect(s.events.map((e) => e.name)).not.toContain('usage.mismatch');
    for (const v of Object.values(s.attributes)) if (typeof v === 'string') expect(v.length).toBeLessThanOrEqual(12);
  }
  const root = byId(spans, IDS.rootSession);
  expect(root.attributes['conversation']).toBe(ROOT_SESSION_ID.slice(0, 12));
  // The tool.slow mark's metadata (threshold_ms) is promoted onto its span and that span's resource only.
  const tool = byId(spans, IDS.toolRead);
  expect(tool.events.map((e) => e.name)).toContain('tool.slow');
  expect(tool.attributes['threshold_ms']).toBe(100);
  expect(tool.resource['threshold_ms']).toBe(100);
  expect(root.attributes['threshold_ms']).toBeUndefined();
  expect(root.resource['threshold_ms']).toBeUndefined();
});
