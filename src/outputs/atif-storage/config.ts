// `atif.storage` as the published plugin spells it (snake_case, one store or a list), plus
// this plugin's own uploader knobs. Parsed once at startup; every error names the field.
//
// Published fields (DESIGN.md §8):
//   {type:"s3", bucket, key_prefix?, access_key_id?, secret_access_key_var?, session_token_var?,
//    region?, endpoint_url?, allow_http?}
//   {type:"http", endpoint, headers?, header_env?, header_file?, timeout_millis?}
// Fields of our own (not in the published shape; defaults in brackets), allowed on any store
// and, as defaults for every store, beside `storage` in the `atif` section:
//   upload_checkpoints [false]  also upload each checkpoint, not only the final file
//   max_attempts [10]           attempts per file and store before it is dropped (counted)
//   retry_initial_millis [1000], retry_max_millis [300000]  exponential backoff bounds (full jitter)
// and on the S3 store: timeout_millis [30000] (per request).

import { ConfigError, resolveHeaders } from './headers.ts';

export interface S3StoreConfig {
  type: 's3';
  name: string;
  bucket: string;
  keyPrefix: string;
  region: string;
  endpointUrl?: string;
  /** Static credentials; undefined = the AWS default credential chain. Never logged. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  timeoutMillis: number;
}

export interface HttpStoreConfig {
  type: 'http';
  name: string;
  endpoint: string;
  keyPrefix: string;
  /** Resolved headers. Secrets: never log or report. */
  headers: Record<string, string>;
  timeoutMillis: number;
}

export type StoreConfig = (S3StoreConfig | HttpStoreConfig) & { retry: RetryConfig };

export interface RetryConfig {
  uploadCheckpoints: boolean;
  maxAttempts: number;
  retryInitialMillis: number;
  retryMaxMillis: number;
}

export interface AtifStorageConfig {
  stores: StoreConfig[];
}

type Raw = Record<string, unknown>;

/**
 * `atif` is the raw observability `atif` section (only `storage` and our knobs are read).
 * Returns undefined when there is no `storage`. Throws ConfigError naming the field.
 */
export function parseAtifStorage(atif: unknown, env: Record<string, string | undefined> = process.env): AtifStorageConfig | undefined {
  if (!isRaw(atif) || atif.storage === undefined || atif.storage === null) return undefined;
  const list = Array.isArray(atif.storage) ? atif.storage : [atif.storage];
  const defaults = retry(atif, 'atif', { uploadCheckpoints: false, maxAttempts: 10, retryInitialMillis: 1000, retryMaxMillis: 300_000 });
  const stores = list.map((raw, i) => {
    const where = Array.isArray(atif.storage) ? `atif.storage[${i}]` : 'atif.storage';
    // Per-store knobs win over the section's.
    return { ...parseStore(raw, where, env), retry: retry(raw as Raw, where, defaults) };
  });
  const names = new Set<string>();
  for (const s of stores) {
    if (names.has(s.name)) throw new ConfigError(`atif.storage: two stores are both named ${JSON.stringify(s.name)}`);
    names.add(s.name);
  }
  return { stores };
}

function parseStore(raw: unknown, where: string, env: Record<string, string | undefined>): S3StoreConfig | HttpStoreConfig {
  if (!isRaw(raw)) throw new ConfigError(`${where}: expected an object with type "s3" or "http", found ${describe(raw)}`);
  const name = optString(raw, 'name', where) ?? where.replace(/^atif\./, '');
  if (raw.type === 's3') {
    const bucket = reqString(raw, 'bucket', where);
    const endpointUrl = optString(raw, 'endpoint_url', where);
    if (endpointUrl !== undefined) {
      let url: URL;
      try {
        url = new URL(endpointUrl);
      } catch {
        throw new ConfigError(`${where}.endpoint_url: expected an http(s) URL, found ${JSON.stringify(endpointUrl)}`);
      }
      if (url.protocol === 'http:' && raw.allow_http !== true) {
        throw new ConfigError(`${where}.endpoint_url: ${endpointUrl} is plain http; set allow_http: true to allow it`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${where}.endpoint_url: expected an http(s) URL, found ${endpointUrl}`);
    }
    if (raw.allow_http !== undefined && typeof raw.allow_http !== 'boolean') throw new ConfigError(`${where}.allow_http: expected boolean, found ${describe(raw.allow_http)}`);
    const cfg: S3StoreConfig = {
      type: 's3',
      name,
      bucket,
      keyPrefix: optString(raw, 'key_prefix', where) ?? '',
      region: optString(raw, 'region', where) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
      timeoutMillis: optInt(raw, 'timeout_millis', where, 1) ?? 30_000,
    };
    if (endpointUrl !== undefined) cfg.endpointUrl = endpointUrl;
    const accessKeyId = optString(raw, 'access_key_id', where);
    if (accessKeyId !== undefined) {
      const secretVar = optString(raw, 'secret_access_key_var', where);
      if (!secretVar) throw new ConfigError(`${where}.secret_access_key_var: expected the name of the env var holding the secret key (access_key_id is set)`);
      const secret = env[secretVar];
      if (!secret) throw new ConfigError(`${where}.secret_access_key_var: expected environment variable ${secretVar} to be set and non-blank`);
      cfg.credentials = { accessKeyId, secretAccessKey: secret };
      const tokenVar = optString(raw, 'session_token_var', where);
      if (tokenVar !== undefined) {
        const token = env[tokenVar];
        if (!token) throw new ConfigError(`${where}.session_token_var: expected environment variable ${tokenVar} to be set and non-blank`);
        cfg.credentials.sessionToken = token;
      }
    } else if (raw.secret_access_key_var !== undefined || raw.session_token_var !== undefined) {
      throw new ConfigError(`${where}.access_key_id: expected a string when secret_access_key_var or session_token_var is set`);
    }
    return cfg;
  }
  if (raw.type === 'http') {
    const endpoint = reqString(raw, 'endpoint', where);
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new ConfigError(`${where}.endpoint: expected an http(s) URL, found ${JSON.stringify(endpoint)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${where}.endpoint: expected an http(s) URL, found ${endpoint}`);
    return {
      type: 'http',
      name,
      endpoint,
      keyPrefix: optString(raw, 'key_prefix', where) ?? '',
      headers: resolveHeaders(raw, where, env),
      timeoutMillis: optInt(raw, 'timeout_millis', where, 1) ?? 30_000,
    };
  }
  throw new ConfigError(`${where}.type: expected "s3" or "http", found ${describe(raw.type)}`);
}

function retry(raw: Raw, where: string, base: RetryConfig): RetryConfig {
  const up = raw.upload_checkpoints;
  if (up !== undefined && typeof up !== 'boolean') throw new ConfigError(`${where}.upload_checkpoints: expected boolean, found ${describe(up)}`);
  return {
    uploadCheckpoints: up ?? base.uploadCheckpoints,
    maxAttempts: optInt(raw, 'max_attempts', where, 1) ?? base.maxAttempts,
    retryInitialMillis: optInt(raw, 'retry_initial_millis', where, 1) ?? base.retryInitialMillis,
    retryMaxMillis: optInt(raw, 'retry_max_millis', where, 1) ?? base.retryMaxMillis,
  };
}

function isRaw(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'string' ? JSON.stringify(v) : typeof v;
}

function reqString(raw: Raw, key: string, where: string): string {
  const v = raw[key];
  if (typeof v !== 'string' || v.trim() === '') throw new ConfigError(`${where}.${key}: expected a non-empty string, found ${describe(v)}`);
  return v;
}

function optString(raw: Raw, key: string, where: string): string | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ConfigError(`${where}.${key}: expected string, found ${describe(v)}`);
  return v;
}

function optInt(raw: Raw, key: string, where: string, min: number): number | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ConfigError(`${where}.${key}: expected an integer >= ${min}, found ${describe(v)}`);
  return v;
}
