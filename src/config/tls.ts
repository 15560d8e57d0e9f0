// TLS material of one OTLP endpoint (traces, metrics or logs): a CA to trust instead of the
// system roots, and a client certificate and key for mutual TLS. The published plugin has no
// fields for these, so the names are the OTel exporter environment's, snake_cased on the
// endpoint: `certificate`, `client_certificate`, `client_key` (PEM file paths; relative ones
// resolve like header_file). Where the endpoint is silent, OTEL_EXPORTER_OTLP_<SIGNAL>_X, then
// OTEL_EXPORTER_OTLP_X (X = CERTIFICATE, CLIENT_CERTIFICATE, CLIENT_KEY), as the OTel exporters
// read them. Files are read once, at config load; one that cannot be read switches that output
// off with the reason (the one thing a TLS endpoint cannot do without).

import { readFileSync } from 'node:fs';

import type { EndpointContext } from './endpoint.ts';
import { type Signal, envString } from './otel-env.ts';
import { type Obj, str } from './read.ts';
import type { OtlpTlsOptions } from './types.ts';

const FIELDS = [
  { field: 'certificate', env: 'CERTIFICATE', key: 'ca', what: 'a PEM file of CA certificates' },
  { field: 'client_certificate', env: 'CLIENT_CERTIFICATE', key: 'cert', what: 'a PEM client certificate file' },
  { field: 'client_key', env: 'CLIENT_KEY', key: 'key', what: 'a PEM client private key file' },
] as const;

export interface TlsResult {
  tls?: OtlpTlsOptions;
  /** Why the output cannot work (unreadable file, a certificate without its key). */
  fatal?: string;
}

export function readTls(o: Obj, path: string, signal: Signal, ctx: EndpointContext): TlsResult {
  const tls: OtlpTlsOptions = {};
  let fatal: string | undefined;
  for (const { field, env, key, what } of FIELDS) {
    const own = str(o[field]);
    const variable = [`OTEL_EXPORTER_OTLP_${signal}_${env}`, `OTEL_EXPORTER_OTLP_${env}`].find((v) => envString(ctx.env, v) !== undefined);
    const source = own !== undefined ? { file: ctx.resolvePath(own), at: `${path}/${field}`, name: field } : variable ? { file: envString(ctx.env, variable)!, at: `$env/${variable}`, name: variable } : undefined;
    if (!source) continue;
    try {
      tls[key] = readFileSync(source.file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      const reason = `${source.name} ${source.file} cannot be read (${code})`;
      fatal ??= reason;
      ctx.issues.push({ path: source.at, expected: `${what}, readable`, found: code, severity: 'error', message: `${reason}; this output is off` });
    }
  }
  if (!fatal && (tls.cert === undefined) !== (tls.key === undefined)) {
    fatal = `${tls.cert === undefined ? 'client_key' : 'client_certificate'} is set without ${tls.cert === undefined ? 'client_certificate' : 'client_key'} (mutual TLS needs both)`;
    ctx.issues.push({ path, expected: 'client_certificate and client_key together', found: 'only one of them', severity: 'error', message: `${fatal}; this output is off` });
  }
  return { ...(Object.keys(tls).length > 0 ? { tls } : {}), ...(fatal ? { fatal } : {}) };
}
