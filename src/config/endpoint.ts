// One OTLP endpoint (traces, metrics or logs) -> OtlpEndpointBase. Precedence for every field:
// the entry's own value > the signal's OTEL_EXPORTER_OTLP_<SIGNAL>_* > OTEL_EXPORTER_OTLP_* >
// default. An endpoint that cannot work (not an http(s) URL, unknown transport, unreadable
// header_file) comes back disabled with the reason; nothing else is affected.

import { resolveHeaders } from './headers.ts';
import { type Env, type Signal, signalEnv, withSignalPath } from './otel-env.ts';
import { type Obj, int, isLoopback, safeUrl, str } from './read.ts';
import { readTls } from './tls.ts';
import type { ConfigIssue, OtlpEndpointBase, OtlpTransport } from './types.ts';

export interface EndpointContext {
  env: Env;
  issues: ConfigIssue[];
  /** header_file paths. */
  resolvePath: (p: string) => string;
}

export interface EndpointOptions {
  name: string;
  /** JSON pointer of the entry, for issues. */
  path: string;
  signal: Signal;
  /** `enabled` when the entry does not say (e.g. inherited from its section). */
  enabledDefault: boolean;
  /** Between the config and the OTEL_* environment (PHOENIX_COLLECTOR_ENDPOINT for OpenInference). */
  preferredEndpoint?: string;
  /** Default URL per transport when neither config nor environment give one. */
  defaultEndpoint: Record<OtlpTransport, string>;
  /** Headers added when the entry and the environment do not set them (PHOENIX_API_KEY). */
  extraHeaders?: Record<string, string>;
}

export function readEndpointBase(o: Obj, opts: EndpointOptions, ctx: EndpointContext): OtlpEndpointBase {
  const senv = signalEnv(ctx.env, opts.signal, ctx.issues);
  let disabledReason: string | undefined;
  let transport: OtlpTransport = senv.transport ?? 'http_binary';
  if (o.transport === 'http_binary' || o.transport === 'grpc') transport = o.transport;
  else if (o.transport !== undefined) disabledReason = `transport ${JSON.stringify(o.transport)} is not http_binary or grpc`;

  const configured = str(o.endpoint);
  const fromConfig = configured ?? opts.preferredEndpoint;
  let endpoint = fromConfig ?? senv.endpointFor(transport) ?? opts.defaultEndpoint[transport];
  // A bare origin in the config gets the signal path (published behaviour); gRPC has no path.
  if (fromConfig && transport === 'http_binary') endpoint = withSignalPath(endpoint, opts.signal);
  const wanted = typeof o.enabled === 'boolean' ? o.enabled : opts.enabledDefault;
  if (!isHttpUrl(endpoint)) {
    const reason = `endpoint ${JSON.stringify(safeUrl(endpoint))} is not an http:// or https:// URL`;
    disabledReason ??= reason;
    ctx.issues.push({
      path: configured ? `${opts.path}/endpoint` : opts.path,
      expected: 'an http:// or https:// URL',
      found: JSON.stringify(safeUrl(endpoint)),
      severity: wanted ? 'error' : 'warning',
      message: `${opts.name}: ${reason}${wanted ? '; this output is off' : ''}`,
    });
  }

  const { headers, fatal } = resolveHeaders(o, opts.path, ctx.env, ctx.issues, ctx.resolvePath, senv.headers);
  if (fatal) disabledReason ??= fatal;
  for (const [k, v] of Object.entries(opts.extraHeaders ?? {})) {
    if (!Object.keys(headers).some((h) => h.toLowerCase() === k.toLowerCase())) headers[k] = v;
  }

  const tls = readTls(o, opts.path, opts.signal, ctx);
  if (tls.fatal) disabledReason ??= tls.fatal;

  const explicit = o.compression === 'gzip' || o.compression === 'none' ? o.compression : undefined;
  const compression = explicit ?? senv.compression ?? (isLoopback(endpoint) ? 'none' : 'gzip');
  return {
    name: opts.name,
    enabled: wanted && disabledReason === undefined,
    ...(wanted && disabledReason ? { disabledReason } : {}),
    endpoint,
    transport,
    headers,
    timeoutMillis: int(o.timeout_millis, senv.timeoutMillis ?? 10_000),
    compression,
    ...(tls.tls ? { tls: tls.tls } : {}),
  };
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
  } catch {
    return false;
  }
}
