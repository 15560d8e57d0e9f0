// The standard OpenTelemetry environment, read where the config is silent. Pairs lists
// (headers, resource attributes) go through @opentelemetry/core's own parser, as the OTel
// exporters do. The core getters (getNumberFromEnv, ...) read process.env only, while config
// loading takes its environment as an argument (tests, several runtimes in one process), so
// numbers and booleans are read here with the same rules: trimmed, empty = unset.

import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { parseKeyPairsIntoRecord } from '@opentelemetry/core';
import type { ConfigIssue, GenAiSemconv, OtlpTransport, SamplerKind } from './types.ts';

export type Env = Record<string, string | undefined>;
export type Signal = 'TRACES' | 'METRICS' | 'LOGS';

const SIGNAL_PATH: Record<Signal, string> = { TRACES: 'v1/traces', METRICS: 'v1/metrics', LOGS: 'v1/logs' };

/** Where env problems show up in ConfigIssue.path. */
export const envPath = (variable: string) => `$env/${variable}`;

export function envString(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

function envNumber(env: Env, name: string, issues: ConfigIssue[], positive: boolean): number | undefined {
  const raw = envString(env, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (Number.isFinite(n) && (!positive || n > 0)) return n;
  issues.push(envIssue(name, positive ? 'a number > 0' : 'a number', raw, 'is ignored'));
  return undefined;
}

/** OTEL_SDK_DISABLED: only `true` (any case) disables, as in @opentelemetry/core getBooleanFromEnv. */
export function sdkDisabled(env: Env): boolean {
  return envString(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true';
}

export interface SignalEnv {
  transport?: OtlpTransport;
  headers: Record<string, string>;
  timeoutMillis?: number;
  compression?: 'gzip' | 'none';
  /** The endpoint the environment gives for this transport, if any. */
  endpointFor(transport: OtlpTransport): string | undefined;
}

/** OTEL_EXPORTER_OTLP_<SIGNAL>_X over OTEL_EXPORTER_OTLP_X, per the OTLP exporter spec. */
export function signalEnv(env: Env, signal: Signal, issues: ConfigIssue[]): SignalEnv {
  const specific = (x: string) => `OTEL_EXPORTER_OTLP_${signal}_${x}`;
  const generic = (x: string) => `OTEL_EXPORTER_OTLP_${x}`;
  const protocolVar = envString(env, specific('PROTOCOL')) !== undefined ? specific('PROTOCOL') : generic('PROTOCOL');
  const transport = readProtocol(env, protocolVar, issues);
  const timeoutMillis = envNumber(env, specific('TIMEOUT'), issues, true) ?? envNumber(env, generic('TIMEOUT'), issues, true);
  const compression = readCompression(env, specific('COMPRESSION'), issues) ?? readCompression(env, generic('COMPRESSION'), issues);
  const headers = {
    ...parseKeyPairsIntoRecord(envString(env, generic('HEADERS'))),
    ...parseKeyPairsIntoRecord(envString(env, specific('HEADERS'))),
  };
  return {
    ...(transport ? { transport } : {}),
    headers,
    ...(timeoutMillis !== undefined ? { timeoutMillis } : {}),
    ...(compression ? { compression } : {}),
    endpointFor(t) {
      // The signal-specific variable is used as is; the generic one is a base URL that gets
      // the signal path over HTTP. gRPC addresses a service, not a path: used as is.
      const own = envString(env, specific('ENDPOINT'));
      if (own) return own;
      const base = envString(env, generic('ENDPOINT'));
      if (!base) return undefined;
      return t === 'grpc' ? base : appendPath(base, SIGNAL_PATH[signal]);
    },
  };
}

function readProtocol(env: Env, name: string, issues: ConfigIssue[]): OtlpTransport | undefined {
  const raw = envString(env, name);
  if (raw === undefined) return undefined;
  if (raw === 'grpc') return 'grpc';
  if (raw === 'http/protobuf') return 'http_binary';
  if (raw === 'http/json') {
    issues.push(envIssue(name, 'grpc or http/protobuf', raw, 'is not implemented; http/protobuf is used'));
    return 'http_binary';
  }
  issues.push(envIssue(name, 'grpc, http/protobuf or http/json', raw, 'is ignored'));
  return undefined;
}

function readCompression(env: Env, name: string, issues: ConfigIssue[]): 'gzip' | 'none' | undefined {
  const raw = envString(env, name);
  if (raw === undefined) return undefined;
  if (raw === 'gzip' || raw === 'none') return raw;
  issues.push(envIssue(name, 'gzip or none', raw, 'is ignored'));
  return undefined;
}

/** `base` + `/path`, without doubling the slash. */
export function appendPath(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path}`;
}

/** The signal path for a bare origin (`http://host:4318` or `.../`); any other URL as given. */
export function withSignalPath(url: string, signal: Signal): string {
  try {
    const u = new URL(url);
    if ((u.protocol === 'http:' || u.protocol === 'https:') && (u.pathname === '/' || u.pathname === '')) return appendPath(url.split(/[?#]/)[0]!, SIGNAL_PATH[signal]) + u.search;
  } catch {
    // not a URL: the caller reports it
  }
  return url;
}

export interface ResourceEnv {
  serviceName?: string;
  attributes: Record<string, string>;
}

/** OTEL_RESOURCE_ATTRIBUTES, with OTEL_SERVICE_NAME winning over its service.name (spec). */
export function resourceEnv(env: Env): ResourceEnv {
  const attributes = parseKeyPairsIntoRecord(envString(env, 'OTEL_RESOURCE_ATTRIBUTES'));
  const serviceName = envString(env, 'OTEL_SERVICE_NAME') ?? attributes[ATTR_SERVICE_NAME];
  return { ...(serviceName ? { serviceName } : {}), attributes };
}

/** OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT, else OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT. */
export function attributeValueLengthLimit(env: Env, issues: ConfigIssue[], forSpans: boolean): number | undefined {
  const own = forSpans ? envNumber(env, 'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', issues, true) : envNumber(env, 'OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT', issues, true);
  const n = own ?? envNumber(env, 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', issues, true);
  return n === undefined ? undefined : Math.floor(n);
}

const SAMPLERS: readonly SamplerKind[] = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'];

/** OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG; undefined when unset or unusable (reported). */
export function samplerEnv(env: Env, issues: ConfigIssue[]): { sampler: SamplerKind; ratio: number } | undefined {
  const raw = envString(env, 'OTEL_TRACES_SAMPLER');
  if (raw === undefined) return undefined;
  if (!(SAMPLERS as readonly string[]).includes(raw)) {
    issues.push(envIssue('OTEL_TRACES_SAMPLER', `one of ${SAMPLERS.join(', ')}`, raw, 'is not supported; every session is exported'));
    return undefined;
  }
  const sampler = raw as SamplerKind;
  if (!sampler.endsWith('traceidratio')) return { sampler, ratio: sampler.endsWith('always_off') ? 0 : 1 };
  const arg = envString(env, 'OTEL_TRACES_SAMPLER_ARG');
  if (arg === undefined) return { sampler, ratio: 1 };
  const ratio = Number(arg);
  if (Number.isFinite(ratio) && ratio >= 0 && ratio <= 1) return { sampler, ratio };
  // The spec's default when the argument is unusable.
  issues.push(envIssue('OTEL_TRACES_SAMPLER_ARG', 'a number from 0 to 1', arg, 'is ignored; ratio 1 is used'));
  return { sampler, ratio: 1 };
}

/**
 * OTEL_SEMCONV_STABILITY_OPT_IN, read as OpenClaw's diagnostics-otel reads it: a comma list,
 * each entry trimmed, `gen_ai_latest_experimental` the one gen_ai value. Other entries (http,
 * database, ...) are other instrumentations' business and are not reported.
 */
export function genAiSemconvEnv(env: Env): GenAiSemconv {
  const list = envString(env, 'OTEL_SEMCONV_STABILITY_OPT_IN')?.split(',').map((s) => s.trim()) ?? [];
  return list.includes('gen_ai_latest_experimental') ? 'latest_experimental' : 'compat';
}

export interface PhoenixEnv {
  /** Traces URL: PHOENIX_COLLECTOR_ENDPOINT with /v1/traces when it is a bare origin. */
  endpoint?: string;
  apiKey?: string;
  projectName?: string;
}

export function phoenixEnv(env: Env): PhoenixEnv {
  const base = envString(env, 'PHOENIX_COLLECTOR_ENDPOINT');
  const apiKey = envString(env, 'PHOENIX_API_KEY');
  const projectName = envString(env, 'PHOENIX_PROJECT_NAME');
  return {
    ...(base ? { endpoint: withSignalPath(base, 'TRACES') } : {}),
    ...(apiKey ? { apiKey } : {}),
    ...(projectName ? { projectName } : {}),
  };
}

function envIssue(variable: string, expected: string, found: string, consequence: string): ConfigIssue {
  return {
    path: envPath(variable),
    expected,
    found: /HEADERS|KEY|TOKEN/.test(variable) ? '[redacted]' : JSON.stringify(found),
    severity: 'warning',
    message: `${variable}=${JSON.stringify(found)} ${consequence}`,
  };
}
