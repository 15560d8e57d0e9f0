// The uploader's view of `atif.storage`: built from the normalized config (src/config parses
// and validates the published fields and this plugin's own upload knobs; see README), with
// secrets read from the environment variables it names. Stores the config switched off are
// left out; status shows them as configured-but-off.

import type { AtifStorageConfig as StorageEntry } from '../../config/types.ts';

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

/** Undefined when no store is enabled. */
export function storageFromConfig(entries: readonly StorageEntry[] | undefined, env: Record<string, string | undefined> = process.env): AtifStorageConfig | undefined {
  const stores = (entries ?? []).filter((e) => e.enabled).map((e) => toStore(e, env));
  return stores.length ? { stores } : undefined;
}

function toStore(e: StorageEntry, env: Record<string, string | undefined>): StoreConfig {
  const retry: RetryConfig = {
    uploadCheckpoints: e.upload_checkpoints,
    maxAttempts: e.max_attempts,
    retryInitialMillis: e.retry_initial_millis,
    retryMaxMillis: e.retry_max_millis,
  };
  if (e.type === 'http') {
    return { type: 'http', name: e.name, endpoint: e.endpoint, keyPrefix: e.key_prefix, headers: e.headers, timeoutMillis: e.timeout_millis, retry };
  }
  const cfg: StoreConfig = {
    type: 's3',
    name: e.name,
    bucket: e.bucket,
    keyPrefix: e.key_prefix,
    region: e.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    timeoutMillis: e.timeout_millis,
    retry,
  };
  if (e.endpoint_url) cfg.endpointUrl = e.endpoint_url;
  // The config layer has checked that the named variables are set.
  const secret = e.secret_access_key_var ? env[e.secret_access_key_var] : undefined;
  if (e.access_key_id && secret) {
    cfg.credentials = { accessKeyId: e.access_key_id, secretAccessKey: secret };
    const token = e.session_token_var ? env[e.session_token_var] : undefined;
    if (token) cfg.credentials.sessionToken = token;
  }
  return cfg;
}
