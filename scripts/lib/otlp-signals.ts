// Decoders for OTLP metrics and logs requests (protobuf), for the test receivers: the
// official OTLP definitions from the generated root of @opentelemetry/otlp-transformer
// 0.210.0 (a dev dependency), flattened into plain records tests can compare.

import { createRequire } from 'node:module';

import { attributes } from './otlp-receiver.ts';
import type { AttributeValue, Attributes, PlainAnyValue, PlainKeyValue } from './otlp-receiver.ts';
import { anyValue } from './otlp-receiver.ts';

interface ProtoType {
  decode(bytes: Uint8Array): unknown;
  toObject(message: unknown, options: Record<string, unknown>): unknown;
}

const require = createRequire(import.meta.url);
const root = require('otlp-proto-0210/build/src/generated/root.js') as {
  opentelemetry: {
    proto: {
      collector: {
        metrics: { v1: { ExportMetricsServiceRequest: ProtoType } };
        logs: { v1: { ExportLogsServiceRequest: ProtoType } };
      };
    };
  };
};
const { ExportMetricsServiceRequest } = root.opentelemetry.proto.collector.metrics.v1;
const { ExportLogsServiceRequest } = root.opentelemetry.proto.collector.logs.v1;
const TO_OBJECT = { longs: String, enums: Number, oneofs: true, defaults: false, arrays: true } as const;

export interface ReceivedPoint {
  attributes: Attributes;
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  /** Sum and gauge points. */
  value?: number;
  /** Histogram points. */
  count?: number;
  sum?: number;
  bucketCounts?: number[];
  explicitBounds?: number[];
}

export interface ReceivedMetric {
  name: string;
  unit: string;
  description: string;
  kind: 'sum' | 'gauge' | 'histogram' | 'other';
  /** OTLP AggregationTemporality: 1 delta, 2 cumulative (0 for gauges). */
  temporality: number;
  monotonic?: boolean;
  points: ReceivedPoint[];
  resource: Attributes;
  scope: { name: string; version: string | undefined };
}

interface PlainPoint {
  attributes?: PlainKeyValue[];
  startTimeUnixNano?: string;
  timeUnixNano?: string;
  asDouble?: number;
  asInt?: string;
  count?: string;
  sum?: number;
  bucketCounts?: string[];
  explicitBounds?: number[];
}
interface PlainMetric {
  name?: string;
  unit?: string;
  description?: string;
  sum?: { dataPoints?: PlainPoint[]; aggregationTemporality?: number; isMonotonic?: boolean };
  gauge?: { dataPoints?: PlainPoint[] };
  histogram?: { dataPoints?: PlainPoint[]; aggregationTemporality?: number };
}

function point(p: PlainPoint): ReceivedPoint {
  const out: ReceivedPoint = {
    attributes: attributes(p.attributes),
    startTimeUnixNano: BigInt(p.startTimeUnixNano ?? '0'),
    timeUnixNano: BigInt(p.timeUnixNano ?? '0'),
  };
  if (p.asDouble !== undefined) out.value = p.asDouble;
  if (p.asInt !== undefined) out.value = Number(p.asInt);
  if (p.count !== undefined) out.count = Number(p.count);
  if (p.sum !== undefined) out.sum = p.sum;
  if (p.bucketCounts) out.bucketCounts = p.bucketCounts.map(Number);
  if (p.explicitBounds) out.explicitBounds = p.explicitBounds;
  return out;
}

export function decodeMetricsRequest(body: Uint8Array): ReceivedMetric[] {
  const plain = ExportMetricsServiceRequest.toObject(ExportMetricsServiceRequest.decode(body), TO_OBJECT) as {
    resourceMetrics?: { resource?: { attributes?: PlainKeyValue[] }; scopeMetrics?: { scope?: { name?: string; version?: string }; metrics?: PlainMetric[] }[] }[];
  };
  const out: ReceivedMetric[] = [];
  for (const rm of plain.resourceMetrics ?? []) {
    const resource = attributes(rm.resource?.attributes);
    for (const sm of rm.scopeMetrics ?? []) {
      const scope = { name: sm.scope?.name ?? '', version: sm.scope?.version || undefined };
      for (const m of sm.metrics ?? []) {
        const base = { name: m.name ?? '', unit: m.unit ?? '', description: m.description ?? '', resource, scope };
        if (m.sum) {
          out.push({ ...base, kind: 'sum', temporality: m.sum.aggregationTemporality ?? 0, monotonic: m.sum.isMonotonic ?? false, points: (m.sum.dataPoints ?? []).map(point) });
        } else if (m.histogram) {
          out.push({ ...base, kind: 'histogram', temporality: m.histogram.aggregationTemporality ?? 0, points: (m.histogram.dataPoints ?? []).map(point) });
        } else if (m.gauge) {
          out.push({ ...base, kind: 'gauge', temporality: 0, points: (m.gauge.dataPoints ?? []).map(point) });
        } else {
          out.push({ ...base, kind: 'other', temporality: 0, points: [] });
        }
      }
    }
  }
  return out;
}

export interface ReceivedLog {
  timeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  body: AttributeValue;
  attributes: Attributes;
  /** Hex; empty when the record is tied to no span. */
  traceId: string;
  spanId: string;
  eventName: string;
  resource: Attributes;
  scope: { name: string; version: string | undefined };
}

interface PlainLog {
  timeUnixNano?: string;
  severityNumber?: number;
  severityText?: string;
  body?: PlainAnyValue;
  attributes?: PlainKeyValue[];
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  eventName?: string;
}

export function decodeLogsRequest(body: Uint8Array): ReceivedLog[] {
  const plain = ExportLogsServiceRequest.toObject(ExportLogsServiceRequest.decode(body), TO_OBJECT) as {
    resourceLogs?: { resource?: { attributes?: PlainKeyValue[] }; scopeLogs?: { scope?: { name?: string; version?: string }; logRecords?: PlainLog[] }[] }[];
  };
  const hex = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString('hex');
  const out: ReceivedLog[] = [];
  for (const rl of plain.resourceLogs ?? []) {
    const resource = attributes(rl.resource?.attributes);
    for (const sl of rl.scopeLogs ?? []) {
      const scope = { name: sl.scope?.name ?? '', version: sl.scope?.version || undefined };
      for (const r of sl.logRecords ?? []) {
        out.push({
          timeUnixNano: BigInt(r.timeUnixNano ?? '0'),
          severityNumber: r.severityNumber ?? 0,
          severityText: r.severityText ?? '',
          body: anyValue(r.body),
          attributes: attributes(r.attributes),
          traceId: hex(r.traceId),
          spanId: hex(r.spanId),
          eventName: r.eventName ?? '',
          resource,
          scope,
        });
      }
    }
  }
  return out;
}
