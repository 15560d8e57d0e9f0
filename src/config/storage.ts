// `atif.storage` (one store or a list: s3 / http) and `atof` (the raw event journal: file /
// stream sinks), normalized with the published snake_case names. Each entry that cannot work
// is off with its reason; the others and ATIF itself are unaffected.

import { type EndpointContext } from './endpoint.ts';
import { resolveHeaders } from './headers.ts';
import { type Obj, int, isObj, safeUrl, str } from './read.ts';
import type { AtifStorageConfig, AtofConfig, AtofSinkConfig, ConfigIssue, OutputSwitch } from './types.ts';

export interface ScopedEntry<T> {
  value: T;
  scopes: string[];
}

export function readAtifStorage(atif: Obj, path: string, ctx: EndpointContext): ScopedEntry<AtifStorageConfig>[] {
  const raw = atif.storage;
  if (raw === undefined) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  const base = `${path}/storage`;
  const out: ScopedEntry<AtifStorageConfig>[] = [];
  list.forEach((s, i) => {
    if (!isObj(s)) return;
    const p = Array.isArray(raw) ? `${base}/${i}` : base;
    const name = `atif.storage[${i}]`;
    const scopes = [p];
    if (s.type === 's3') {
      const bucket = str(s.bucket);
      const endpointUrl = str(s.endpoint_url);
      out.push({
        scopes,
        value: check({
          type: 's3', name, enabled: true,
          bucket: bucket ?? '',
          key_prefix: typeof s.key_prefix === 'string' ? s.key_prefix : '',
          ...(str(s.access_key_id) ? { access_key_id: str(s.access_key_id)! } : {}),
          ...(str(s.secret_access_key_var) ? { secret_access_key_var: str(s.secret_access_key_var)! } : {}),
          ...(str(s.session_token_var) ? { session_token_var: str(s.session_token_var)! } : {}),
          ...(str(s.region) ? { region: str(s.region)! } : {}),
          ...(endpointUrl ? { endpoint_url: endpointUrl } : {}),
          allow_http: s.allow_http === true,
        }, [
          bucket ? undefined : 'bucket is missing',
          endpointUrl ? urlProblem(endpointUrl, ['http:', 'https:']) : undefined,
          endpointUrl?.startsWith('http:') && s.allow_http !== true ? 'endpoint_url is plain http and allow_http is not true' : undefined,
        ], p, ctx.issues),
      });
    } else if (s.type === 'http') {
      const endpoint = str(s.endpoint);
      const { headers, fatal } = resolveHeaders(s, p, ctx.env, ctx.issues, ctx.resolvePath);
      out.push({
        scopes,
        value: check({ type: 'http', name, enabled: true, endpoint: endpoint ?? '', headers, timeout_millis: int(s.timeout_millis, 10_000) },
          [endpoint ? urlProblem(endpoint, ['http:', 'https:']) : 'endpoint is missing', fatal], p, ctx.issues),
      });
    } else {
      // Unknown store type: reported by the schema check; nothing to build.
    }
  });
  return out;
}

export interface AtofRead {
  value: AtofConfig;
  scopes: string[];
  sinkScopes: string[][];
}

export function readAtof(cfg: Obj, path: string, ctx: EndpointContext): AtofRead | undefined {
  const a = isObj(cfg.atof) ? cfg.atof : undefined;
  if (!a) return undefined;
  const p = `${path}/atof`;
  const sinks: AtofSinkConfig[] = [];
  const sinkScopes: string[][] = [];
  (Array.isArray(a.sinks) ? a.sinks : []).forEach((s, i) => {
    if (!isObj(s)) return;
    const sp = `${p}/sinks/${i}`;
    const name = str(s.name) ?? `atof.sinks[${i}]`;
    if (s.type === 'file') {
      sinks.push({
        type: 'file', name, enabled: true,
        output_directory: ctx.resolvePath(str(s.output_directory) ?? './nemo-relay-atof'),
        filename: str(s.filename) ?? 'nemo-relay-atof.jsonl',
        mode: s.mode === 'overwrite' ? 'overwrite' : 'append',
      });
    } else if (s.type === 'stream') {
      const transport = s.transport === 'websocket' || s.transport === 'ndjson' ? s.transport : 'http_post';
      const url = str(s.url);
      const schemes = transport === 'websocket' ? ['ws:', 'wss:'] : transport === 'ndjson' ? ['tcp:', 'http:', 'https:'] : ['http:', 'https:'];
      const { headers, fatal } = resolveHeaders(s, sp, ctx.env, ctx.issues, ctx.resolvePath);
      sinks.push(check({
        type: 'stream', name, enabled: true, url: url ?? '', transport, headers,
        timeout_millis: int(s.timeout_millis, 10_000),
        field_name_policy: s.field_name_policy === 'replace_dots' ? 'replace_dots' : 'preserve',
      }, [url ? urlProblem(url, schemes) : 'url is missing', fatal], sp, ctx.issues));
    } else return;
    sinkScopes.push([sp]);
  });
  return { value: { enabled: a.enabled !== false, sinks }, scopes: [p], sinkScopes };
}

/** The first problem switches the entry off and is reported once. */
function check<T extends OutputSwitch & { name: string }>(value: T, problems: (string | undefined)[], path: string, issues: ConfigIssue[]): T {
  const reason = problems.find((p) => p !== undefined);
  if (!reason) return value;
  if (!issues.some((i) => (i.path === path || i.path.startsWith(`${path}/`)) && i.severity === 'error')) {
    issues.push({ path, expected: 'a usable store or sink', found: reason, severity: 'error', message: `${value.name}: ${reason}; this output is off` });
  }
  return { ...value, enabled: false, disabledReason: reason };
}

function urlProblem(raw: string, schemes: string[]): string | undefined {
  try {
    const u = new URL(raw);
    if (schemes.includes(u.protocol)) return undefined;
  } catch {
    // reported below
  }
  return `${JSON.stringify(safeUrl(raw))} is not a ${schemes.map((s) => s.replace(':', '://')).join(' or ')} URL`;
}
