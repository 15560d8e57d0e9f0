// `atif.storage` (one store or a list: s3 / http) and `atof` (the raw event journal: file /
// stream sinks), normalized with the published snake_case names. Each entry that cannot work
// is off with its reason; the others and ATIF itself are unaffected.

import { type EndpointContext } from './endpoint.ts';
import { resolveHeaders } from './headers.ts';
import { type Obj, int, isObj, safeUrl, str } from './read.ts';
import type { AtifStorageConfig, AtifUploadPolicy, AtofConfig, AtofSinkConfig, ConfigIssue, OutputSwitch } from './types.ts';

/** This plugin's own upload knobs: a store's own value, else the `atif` section's, else the default. */
function uploadPolicy(s: Obj, section: Obj): AtifUploadPolicy {
  const pick = (k: string, d: number): number => int(s[k], int(section[k], d));
  return {
    upload_checkpoints: typeof s.upload_checkpoints === 'boolean' ? s.upload_checkpoints : section.upload_checkpoints === true,
    max_attempts: Math.max(1, pick('max_attempts', 10)),
    retry_initial_millis: Math.max(1, pick('retry_initial_millis', 1000)),
    retry_max_millis: Math.max(1, pick('retry_max_millis', 300_000)),
  };
}

/** A second entry with the same status name would hide the first one's counters. */
function duplicateName(name: string, seen: Set<string>): string | undefined {
  if (seen.has(name)) return `another entry is also named ${JSON.stringify(name)}`;
  seen.add(name);
  return undefined;
}

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
  const names = new Set<string>();
  list.forEach((s, i) => {
    if (!isObj(s)) return;
    const p = Array.isArray(raw) ? `${base}/${i}` : base;
    const name = str(s.name) ?? `atif.storage[${i}]`;
    const dup = duplicateName(name, names);
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
          timeout_millis: Math.max(1, int(s.timeout_millis, 30_000)),
          ...uploadPolicy(s, atif),
        }, [
          bucket ? undefined : 'bucket is missing',
          dup,
          credentialProblem(s, ctx.env),
          endpointUrl ? urlProblem(endpointUrl, ['http:', 'https:']) : undefined,
          endpointUrl?.startsWith('http:') && s.allow_http !== true ? 'endpoint_url is plain http and allow_http is not true' : undefined,
        ], p, ctx.issues),
      });
    } else if (s.type === 'http') {
      const endpoint = str(s.endpoint);
      const { headers, fatal } = resolveHeaders(s, p, ctx.env, ctx.issues, ctx.resolvePath);
      out.push({
        scopes,
        value: check({
          type: 'http', name, enabled: true, endpoint: endpoint ?? '', headers, timeout_millis: Math.max(1, int(s.timeout_millis, 10_000)),
          key_prefix: typeof s.key_prefix === 'string' ? s.key_prefix : '',
          ...uploadPolicy(s, atif),
        }, [endpoint ? urlProblem(endpoint, ['http:', 'https:']) : 'endpoint is missing', dup, fatal], p, ctx.issues),
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
  const names = new Set<string>();
  (Array.isArray(a.sinks) ? a.sinks : []).forEach((s, i) => {
    if (!isObj(s)) return;
    const sp = `${p}/sinks/${i}`;
    const name = str(s.name) ?? `atof.sinks[${i}]`;
    const dup = duplicateName(name, names);
    if (s.type === 'file') {
      const filename = str(s.filename) ?? 'nemo-relay-atof.jsonl';
      sinks.push(check({
        type: 'file', name, enabled: true,
        output_directory: ctx.resolvePath(str(s.output_directory) ?? './nemo-relay-atof'),
        filename,
        mode: s.mode === 'overwrite' ? 'overwrite' : 'append',
        max_file_bytes: Math.max(1024, int(s.max_file_bytes, 64 * 1024 * 1024)),
        max_file_age_millis: Math.max(1, int(s.max_file_age_millis, 24 * 3600_000)),
        max_files: int(s.max_files, 5),
        max_queue_bytes: Math.max(1024, int(s.max_queue_bytes, 8 * 1024 * 1024)),
      }, [/[/\\]/.test(filename) || filename === '.' || filename === '..' ? `filename ${JSON.stringify(filename)} is not a plain file name (use output_directory for the directory)` : undefined, dup], sp, ctx.issues));
    } else if (s.type === 'stream') {
      const transport = s.transport === 'websocket' || s.transport === 'ndjson' ? s.transport : 'http_post';
      const url = str(s.url);
      // ndjson is one long chunked HTTP upload here (src/outputs/atof/stream-sink.ts): a tcp:// URL could never be reached.
      const schemes = transport === 'websocket' ? ['ws:', 'wss:'] : ['http:', 'https:'];
      const { headers, fatal } = resolveHeaders(s, sp, ctx.env, ctx.issues, ctx.resolvePath);
      sinks.push(check({
        type: 'stream', name, enabled: true, url: url ?? '', transport, headers,
        timeout_millis: int(s.timeout_millis, 10_000),
        field_name_policy: s.field_name_policy === 'replace_dots' ? 'replace_dots' : 'preserve',
        max_queue_bytes: Math.max(1024, int(s.max_queue_bytes, 8 * 1024 * 1024)),
        max_queue_records: Math.max(1, int(s.max_queue_records, 10_000)),
        // As published, http_post sends one JSONL record per POST.
        max_batch_records: Math.max(1, int(s.max_batch_records, transport === 'http_post' ? 1 : 500)),
        retry_initial_millis: Math.max(1, int(s.retry_initial_millis, 500)),
        retry_max_millis: Math.max(1, int(s.retry_max_millis, 30_000)),
      }, [url ? urlProblem(url, schemes) : 'url is missing', dup, fatal], sp, ctx.issues));
    } else return;
    sinkScopes.push([sp]);
  });
  const enabled = a.enabled !== false;
  if (enabled && sinks.length === 0) {
    ctx.issues.push({ path: `${p}/sinks`, expected: 'at least one file or stream sink', found: 'none', severity: 'warning', message: 'atof is enabled but has no sinks: nothing is journaled' });
  }
  return { value: { enabled, sinks }, scopes: [p], sinkScopes };
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

/** Static S3 credentials name env vars; a var that is not set would fall back silently to other credentials. */
function credentialProblem(s: Obj, env: Record<string, string | undefined>): string | undefined {
  const key = str(s.access_key_id);
  const secretVar = str(s.secret_access_key_var);
  const tokenVar = str(s.session_token_var);
  if (!key) return secretVar || tokenVar ? 'secret_access_key_var / session_token_var are set but access_key_id is not' : undefined;
  if (!secretVar) return 'access_key_id is set but secret_access_key_var (the env var holding the secret key) is not';
  if (!env[secretVar]?.trim()) return `secret_access_key_var: environment variable ${secretVar} is not set`;
  if (tokenVar && !env[tokenVar]?.trim()) return `session_token_var: environment variable ${tokenVar} is not set`;
  return undefined;
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
