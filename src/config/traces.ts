// Trace outputs of one observability component: the flat `opentelemetry` / `openinference`
// sections (version 1) and `opentelemetry.endpoints[]` (versions 3 and 4).

import { type EndpointContext, readEndpointBase } from './endpoint.ts';
import { attributeValueLengthLimit, genAiSemconvEnv, phoenixEnv, resourceEnv } from './otel-env.ts';
import { type Obj, int, isObj, optInt, scalars, str, strings } from './read.ts';
import { readQueueBudget } from './spool.ts';
import type { InstrumentationScope, MarkProjection, OtlpOutputConfig, OtlpProjection } from './types.ts';

export const DEFAULT_SERVICE_NAME = 'openclaw-nemo-relay';

const DEFAULTS: Record<OtlpProjection, { http_binary: string; grpc: string }> = {
  gen_ai: { http_binary: 'http://localhost:4318/v1/traces', grpc: 'http://localhost:4317' },
  full: { http_binary: 'http://localhost:4318/v1/traces', grpc: 'http://localhost:4317' },
  openinference: { http_binary: 'http://localhost:6006/v1/traces', grpc: 'http://localhost:4317' },
};

export interface TraceOutput {
  output: OtlpOutputConfig;
  /** JSON pointers whose errors switch this output off (load.ts). */
  scopes: string[];
}

export function readTraceOutputs(cfg: Obj, path: string, ctx: EndpointContext): TraceOutput[] {
  const out: TraceOutput[] = [];
  const otel = isObj(cfg.opentelemetry) ? cfg.opentelemetry : undefined;
  const otelPath = `${path}/opentelemetry`;
  if (otel && Array.isArray(otel.endpoints)) {
    otel.endpoints.forEach((e, i) => {
      if (!isObj(e)) return;
      const p = `${otelPath}/endpoints/${i}`;
      const known = e.type === undefined || e.type === 'full' || e.type === 'gen_ai' || e.type === 'openinference';
      const projection = (known && e.type !== undefined ? e.type : 'gen_ai') as OtlpProjection;
      const output = readTraceOutput(`opentelemetry.endpoints[${i}]`, projection, e, p, otel.enabled !== false, ctx);
      if (!known && output.enabled) {
        output.enabled = false;
        output.disabledReason = `type ${JSON.stringify(e.type)} is not full, gen_ai or openinference`;
      }
      out.push({ output, scopes: [otelPath, p] });
    });
  } else if (otel) {
    out.push({ output: readTraceOutput('opentelemetry', 'gen_ai', otel, otelPath, false, ctx), scopes: [otelPath] });
  }
  const oi = isObj(cfg.openinference) ? cfg.openinference : undefined;
  if (oi) out.push({ output: readTraceOutput('openinference', 'openinference', oi, `${path}/openinference`, false, ctx), scopes: [`${path}/openinference`] });
  return out;
}

function readTraceOutput(name: string, projection: OtlpProjection, o: Obj, path: string, enabledDefault: boolean, ctx: EndpointContext): OtlpOutputConfig {
  const phoenix = projection === 'openinference' ? phoenixEnv(ctx.env) : {};
  const base = readEndpointBase(
    o,
    {
      name,
      path,
      signal: 'TRACES',
      enabledDefault,
      defaultEndpoint: DEFAULTS[projection],
      ...(phoenix.endpoint ? { preferredEndpoint: phoenix.endpoint } : {}),
      ...(phoenix.apiKey ? { extraHeaders: { authorization: `Bearer ${phoenix.apiKey}` } } : {}),
    },
    ctx,
  );
  const resource = resourceEnv(ctx.env);
  const serviceName = str(o.service_name) ?? resource.serviceName ?? DEFAULT_SERVICE_NAME;
  const scope = instrumentationScope(o.instrumentation_scope);
  const ttl = optInt(o.completed_span_context_ttl_millis);
  const limit = attributeValueLengthLimit(ctx.env, ctx.issues, true);
  return {
    ...base,
    projection,
    serviceName,
    ...(str(o.service_namespace) ? { serviceNamespace: str(o.service_namespace)! } : {}),
    ...(str(o.service_version) ? { serviceVersion: str(o.service_version)! } : {}),
    resourceAttributes: { ...resource.attributes, ...scalars(o.resource_attributes) },
    ...(projection !== 'gen_ai' ? { projectName: str(o.project_name) ?? phoenix.projectName ?? serviceName } : {}),
    ...(scope ? { instrumentationScope: scope } : {}),
    markProjection: (o.mark_projection === 'event' || o.mark_projection === 'tool' ? o.mark_projection : 'inherit') as MarkProjection,
    markExcludeNames: strings(o.mark_exclude_names),
    attributeMappings: Array.isArray(o.attribute_mappings)
      ? o.attribute_mappings.filter((m): m is { key: string; alias: string } => isObj(m) && !!str(m.key) && !!str(m.alias)).map((m) => ({ key: m.key, alias: m.alias }))
      : [],
    promoteMetadataPrefixes: strings(o.promote_metadata_prefixes),
    promoteResourceMetadataPrefixes: strings(o.promote_resource_metadata_prefixes),
    ...(ttl !== undefined ? { completedSpanContextTtlMillis: ttl } : {}),
    ...(limit !== undefined ? { attributeValueLengthLimit: limit } : {}),
    genAiSemconv: genAiSemconvEnv(ctx.env),
    maxQueueSize: int(o.max_queue_size, 8192),
    maxExportBatchSize: int(o.max_export_batch_size, 64),
    scheduledDelayMillis: int(o.scheduled_delay_millis, 1000),
    ...readQueueBudget(name, o, ctx),
  };
}

function instrumentationScope(v: unknown): InstrumentationScope | undefined {
  if (typeof v === 'string' && v.length > 0) return { name: v };
  if (isObj(v) && str(v.name)) return { name: str(v.name)!, ...(str(v.version) ? { version: str(v.version)! } : {}) };
  return undefined;
}
