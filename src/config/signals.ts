// `opentelemetry.metrics` and `opentelemetry.logs` (observability config version 4): each a
// section with its own endpoints, sharing OtlpEndpointBase with the trace outputs.

import { type EndpointContext, readEndpointBase } from './endpoint.ts';
import { type Signal, attributeValueLengthLimit, resourceEnv } from './otel-env.ts';
import { type Obj, int, isObj, scalars, str } from './read.ts';
import { DEFAULT_SERVICE_NAME } from './traces.ts';
import type { LogSeverity, LogsConfig, MetricsConfig, MetricsTemporality, OtlpEndpointBase } from './types.ts';

export interface Scoped<T> {
  value: T;
  /** JSON pointers whose errors switch the whole section off. */
  scopes: string[];
  /** Per endpoint: the pointers whose errors switch that endpoint off. */
  endpointScopes: string[][];
}

const DEFAULT_URL = {
  METRICS: { http_binary: 'http://localhost:4318/v1/metrics', grpc: 'http://localhost:4317' },
  LOGS: { http_binary: 'http://localhost:4318/v1/logs', grpc: 'http://localhost:4317' },
};

export function readMetrics(otel: Obj, path: string, ctx: EndpointContext): Scoped<MetricsConfig> | undefined {
  const m = isObj(otel.metrics) ? otel.metrics : undefined;
  if (!m) return undefined;
  const p = `${path}/metrics`;
  const { endpoints, endpointScopes } = readEndpoints(m, p, 'METRICS', 'opentelemetry.metrics', ctx);
  const temporality: MetricsTemporality = m.temporality === 'delta' || m.temporality === 'low_memory' ? m.temporality : 'cumulative';
  return {
    value: {
      enabled: m.enabled === true,
      endpoints,
      exportIntervalMillis: Math.max(1, int(m.export_interval_millis, 60_000)),
      temporality,
      maxInstruments: Math.max(1, int(m.max_instruments, 100)),
      cardinalityLimit: Math.max(1, int(m.cardinality_limit, 2000)),
      ...service(m, otel, ctx),
    },
    scopes: [p],
    endpointScopes,
  };
}

/** OTel SeverityNumber of each level's lowest member. */
export const SEVERITY_NUMBER: Record<LogSeverity, number> = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 };

export function readLogs(otel: Obj, path: string, ctx: EndpointContext): Scoped<LogsConfig> | undefined {
  const l = isObj(otel.logs) ? otel.logs : undefined;
  if (!l) return undefined;
  const p = `${path}/logs`;
  const { endpoints, endpointScopes } = readEndpoints(l, p, 'LOGS', 'opentelemetry.logs', ctx);
  const minimumSeverity = readSeverity(l.minimum_severity, `${p}/minimum_severity`, ctx);
  const limit = attributeValueLengthLimit(ctx.env, ctx.issues, false);
  return {
    value: {
      enabled: l.enabled === true,
      endpoints,
      minimumSeverity,
      minimumSeverityNumber: SEVERITY_NUMBER[minimumSeverity],
      maxQueueSize: Math.max(1, int(l.max_queue_size, 2048)),
      maxExportBatchSize: Math.max(1, int(l.max_export_batch_size, 512)),
      scheduledDelayMillis: int(l.scheduled_delay_millis, 1000),
      ...service(l, otel, ctx),
      ...(limit !== undefined ? { attributeValueLengthLimit: limit } : {}),
    },
    scopes: [p],
    endpointScopes,
  };
}

/** A level name in any case (`warning` = `warn`) or an OTel SeverityNumber (1-24, rounded down to its level). */
function readSeverity(v: unknown, path: string, ctx: EndpointContext): LogSeverity {
  if (v === undefined) return 'info';
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 24) {
    return (Object.entries(SEVERITY_NUMBER) as [LogSeverity, number][]).filter(([, n]) => n <= v).at(-1)![0];
  }
  const name = typeof v === 'string' ? v.trim().toLowerCase().replace(/^warning$/, 'warn') : '';
  if (name in SEVERITY_NUMBER) return name as LogSeverity;
  ctx.issues.push({ path, expected: 'trace, debug, info, warn, error, fatal or 1-24', found: JSON.stringify(v), severity: 'warning', message: `${path}: unknown severity ${JSON.stringify(v)}; info is used` });
  return 'info';
}

/**
 * No `endpoints` list: one endpoint from the environment (or the local default), so
 * `{enabled: true}` alone works as it does for traces.
 */
function readEndpoints(section: Obj, path: string, signal: Signal, name: string, ctx: EndpointContext): { endpoints: OtlpEndpointBase[]; endpointScopes: string[][] } {
  const list = Array.isArray(section.endpoints) ? section.endpoints : [{}];
  const endpoints: OtlpEndpointBase[] = [];
  const endpointScopes: string[][] = [];
  list.forEach((e, i) => {
    if (!isObj(e)) return;
    const p = Array.isArray(section.endpoints) ? `${path}/endpoints/${i}` : path;
    endpoints.push(readEndpointBase(e, { name: `${name}.endpoints[${i}]`, path: p, signal, enabledDefault: true, defaultEndpoint: DEFAULT_URL[signal as 'METRICS' | 'LOGS'] }, ctx));
    endpointScopes.push(Array.isArray(section.endpoints) ? [p] : []);
  });
  return { endpoints, endpointScopes };
}

function service(section: Obj, otel: Obj, ctx: EndpointContext): { serviceName: string; resourceAttributes: Record<string, string | number | boolean> } {
  const resource = resourceEnv(ctx.env);
  return {
    serviceName: str(section.service_name) ?? str(otel.service_name) ?? resource.serviceName ?? DEFAULT_SERVICE_NAME,
    resourceAttributes: { ...resource.attributes, ...scalars(otel.resource_attributes), ...scalars(section.resource_attributes) },
  };
}
