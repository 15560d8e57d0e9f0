// The export queue's own protobuf encoder writes, byte for byte, what
// @opentelemetry/otlp-transformer's ProtobufTraceSerializer writes for the same spans: the
// spans of the fixture tree in both projections (events, links, errors, subagents), and
// attribute values of every kind the OTLP AnyValue holds. What it writes decodes with the
// official OTLP definitions.

import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { Attributes } from '@opentelemetry/api';
import { SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { describe, expect, it } from 'vitest';

import { genAiProjection } from '../../../../src/outputs/otlp/gen-ai/gen-ai-projection.ts';
import { openInferenceProjection } from '../../../../src/outputs/otlp/openinference/openinference-projection.ts';
import { toReadableSpan } from '../../../../src/outputs/otlp/readable-span.ts';
import { planSession } from '../../../../src/outputs/otlp/session-plan.ts';
import { SpanIds, planRun } from '../../../../src/outputs/otlp/span-plan.ts';
import { encodeTraceRequest } from '../../../../src/outputs/otlp/span-encoder.ts';
import { decodeExportRequest } from '../../../support/otlp-receiver.ts';
import { buildTree } from './session-fixture.ts';

const resource = resourceFromAttributes({ 'service.name': 'enc-test', 'deployment.environment.name': 'test', 'x.count': 3 });
const reference = (spans: ReadableSpan[]) => Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);

function treeSpans(): ReadableSpan[] {
  const tree = buildTree();
  const ids = new SpanIds();
  const now = () => Date.UTC(2026, 0, 15, 12, 0, 5);
  const out: ReadableSpan[] = [];
  for (const projection of [genAiProjection, openInferenceProjection]) {
    const scope = projection === genAiProjection ? { name: 'nemo-relay', version: '1.2.3' } : { name: 'nemo-relay', schemaUrl: 'https://opentelemetry.io/schemas/1.37.0' };
    for (const [session, run] of [[tree.root, tree.run1], [tree.root, tree.run2], [tree.child, tree.childRun]] as const) {
      out.push(...planRun(session, run, now, ids).map((s) => toReadableSpan(s, projection, resource, scope)));
    }
    out.push(toReadableSpan(planSession(tree.child, now, ids), projection, resource, scope));
    out.push(toReadableSpan(planSession(tree.root, now, ids), projection, resource, scope));
  }
  return out;
}

function span(attributes: Attributes, extra: Partial<ReadableSpan> = {}): ReadableSpan {
  const ctx = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };
  return {
    name: 'chat ünïcødé 🚀',
    kind: SpanKind.CLIENT,
    spanContext: () => ctx,
    parentSpanContext: { ...ctx, spanId: '00f067aa0ba902b7', isRemote: true },
    startTime: [1_768_478_400, 123_456_789],
    endTime: [1_768_478_401, 999_999_999],
    duration: [1, 876_543_210],
    status: { code: SpanStatusCode.ERROR, message: 'boom: ✗' },
    attributes,
    links: [{ context: { ...ctx, spanId: '1111111111111111', isRemote: true }, attributes: { 'link.kind': 'session' } }],
    events: [{ name: 'mark', time: [1_768_478_400, 500], attributes: { n: 1 }, droppedAttributesCount: 0 }],
    ended: true,
    resource,
    instrumentationScope: { name: 'nemo-relay' },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
    ...extra,
  };
}

describe('span encoder', () => {
  it('writes the same bytes as the OTel serializer for the fixture tree, both projections', () => {
    const spans = treeSpans();
    expect(spans.length).toBeGreaterThan(20);
    const mine = Buffer.from(encodeTraceRequest(spans));
    expect(mine.equals(reference(spans))).toBe(true);
    const decoded = decodeExportRequest(mine);
    expect(decoded.spans).toHaveLength(spans.length);
    expect(new Set(decoded.spans.map((s) => s.spanId))).toEqual(new Set(spans.map((s) => s.spanContext().spanId)));
  });

  it('every attribute value kind, large lengths, negative and 64-bit integers, doubles, and non-ASCII text', () => {
    const big = `${'{"type":"function","name":"read_file","schema":{"path":"string"}} '.repeat(4000)}é`;
    const attributes: Attributes = {
      s: 'plain',
      empty: '',
      unicode: 'naïve 日本語 🚀🚀 ok',
      big,
      t: true,
      f: false,
      zero: 0,
      small: 42,
      u32: 0xffffffff,
      large: 2 ** 40 + 7,
      neg: -1,
      negLarge: -(2 ** 40),
      dbl: 3.25,
      nan: Number.NaN,
      inf: Number.POSITIVE_INFINITY,
      strs: ['a', 'ß', ''],
      nums: [1, -2, 2.5],
      bools: [true, false],
      none: [],
    };
    for (const spans of [[span(attributes)], [span({}), span({ k: 'v' }, { kind: SpanKind.INTERNAL, parentSpanContext: undefined, status: { code: SpanStatusCode.UNSET } })]]) {
      const mine = Buffer.from(encodeTraceRequest(spans));
      expect(mine.equals(reference(spans))).toBe(true);
    }
    const decoded = decodeExportRequest(encodeTraceRequest([span(attributes)]));
    expect(decoded.spans[0]!.attributes['big']).toBe(big);
    expect(decoded.spans[0]!.attributes['unicode']).toBe('naïve 日本語 🚀🚀 ok');
    expect(decoded.spans[0]!.attributes['negLarge']).toBe(-(2 ** 40));
  });

  it('groups spans by resource and scope as the OTel serializer does', () => {
    const other = resourceFromAttributes({ 'service.name': 'other' });
    const spans = [span({ a: 1 }), span({ b: 2 }, { resource: other }), span({ c: 3 }, { instrumentationScope: { name: 'x', version: '2' } }), span({ d: 4 })];
    expect(Buffer.from(encodeTraceRequest(spans)).equals(reference(spans))).toBe(true);
    const decoded = decodeExportRequest(encodeTraceRequest(spans));
    expect(decoded.resources).toHaveLength(2);
  });

  it('an empty request is empty', () => {
    expect(encodeTraceRequest([]).length).toBe(0);
    expect(reference([]).length).toBe(0);
  });
});
