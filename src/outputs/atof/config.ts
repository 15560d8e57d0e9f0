// `atof` as the published plugin spells it (DESIGN.md §8, NeMo Relay's ATOF export docs):
//   {enabled, sinks: [
//     {type:"file", output_directory?, filename?, mode?: "append"|"overwrite"},
//     {type:"stream", url, transport?: "http_post"|"websocket"|"ndjson", headers?, header_env?,
//      header_file?, timeout_millis? (3000), field_name_policy?: "preserve"|"replace_dots", name?}]}
// Fields of our own (not in the published shape; defaults in brackets):
//   file:   max_file_bytes [64 MiB] and max_file_age_millis [24 h] rotate the file to
//           <filename>.1 (older ones shift up); max_files [5] rotated files are kept, so the
//           journal never holds more than (max_files + 1) * max_file_bytes;
//           max_queue_bytes [8 MiB] of records waiting for the disk.
//   stream: max_queue_bytes [8 MiB], max_queue_records [10000] waiting for the collector;
//           max_batch_records [1 for http_post, as published: one JSONL record per POST; 500 otherwise];
//           retry_initial_millis [500], retry_max_millis [30000] reconnect / resend backoff.

import path from 'node:path';
import { ConfigError, resolveHeaders } from '../atif-storage/headers.ts';

export interface AtofFileSinkConfig {
  type: 'file';
  name: string;
  /** Absolute path of the journal file. */
  file: string;
  mode: 'append' | 'overwrite';
  maxFileBytes: number;
  maxFileAgeMillis: number;
  maxFiles: number;
  maxQueueBytes: number;
}

export type AtofTransport = 'http_post' | 'ndjson' | 'websocket';

export interface AtofStreamSinkConfig {
  type: 'stream';
  name: string;
  url: string;
  transport: AtofTransport;
  /** Resolved. Secrets: never log or report. */
  headers: Record<string, string>;
  timeoutMillis: number;
  fieldNamePolicy: 'preserve' | 'replace_dots';
  maxQueueBytes: number;
  maxQueueRecords: number;
  maxBatchRecords: number;
  retryInitialMillis: number;
  retryMaxMillis: number;
}

export type AtofSinkConfig = AtofFileSinkConfig | AtofStreamSinkConfig;

export interface AtofConfig {
  enabled: boolean;
  sinks: AtofSinkConfig[];
}

type Raw = Record<string, unknown>;

/** `atof` is the raw observability `atof` section; `cwd` resolves relative directories. Throws ConfigError naming the field. */
export function parseAtof(atof: unknown, env: Record<string, string | undefined> = process.env, cwd = process.cwd(), now = Date.now()): AtofConfig | undefined {
  if (atof === undefined || atof === null) return undefined;
  if (!isRaw(atof)) throw new ConfigError(`atof: expected an object, found ${describe(atof)}`);
  if (atof.enabled !== undefined && typeof atof.enabled !== 'boolean') throw new ConfigError(`atof.enabled: expected boolean, found ${describe(atof.enabled)}`);
  const enabled = atof.enabled === true;
  const rawSinks = atof.sinks ?? [];
  if (!Array.isArray(rawSinks)) throw new ConfigError(`atof.sinks: expected an array, found ${describe(rawSinks)}`);
  if (enabled && rawSinks.length === 0) throw new ConfigError('atof.sinks: expected at least one sink when atof.enabled is true');
  const sinks = rawSinks.map((raw, i) => parseSink(raw, `atof.sinks[${i}]`, env, cwd, now));
  const names = new Set<string>();
  for (const s of sinks) {
    if (names.has(s.name)) throw new ConfigError(`atof.sinks: two sinks are both named ${JSON.stringify(s.name)}`);
    names.add(s.name);
  }
  return { enabled, sinks };
}

function parseSink(raw: unknown, where: string, env: Record<string, string | undefined>, cwd: string, now: number): AtofSinkConfig {
  if (!isRaw(raw)) throw new ConfigError(`${where}: expected an object with type "file" or "stream", found ${describe(raw)}`);
  const name = optString(raw, 'name', where);
  if (name !== undefined && (name.trim() === '' || name.trim() !== name)) throw new ConfigError(`${where}.name: expected a non-empty name without surrounding spaces`);
  if (raw.type === 'file') {
    const mode = raw.mode ?? 'append';
    if (mode !== 'append' && mode !== 'overwrite') throw new ConfigError(`${where}.mode: expected "append" or "overwrite", found ${describe(mode)}`);
    const dir = path.resolve(cwd, optString(raw, 'output_directory', where) ?? '.');
    const filename = optString(raw, 'filename', where) ?? `nemo-relay-events-${new Date(now).toISOString().replace(/[:.]/g, '-')}.jsonl`;
    if (filename.includes('/') || filename.includes('\\') || filename === '..' || filename === '.') throw new ConfigError(`${where}.filename: expected a file name without directories, found ${JSON.stringify(filename)}`);
    return {
      type: 'file',
      name: name ?? where.replace(/^atof\./, ''),
      file: path.join(dir, filename),
      mode,
      maxFileBytes: optInt(raw, 'max_file_bytes', where, 1024) ?? 64 * 1024 * 1024,
      maxFileAgeMillis: optInt(raw, 'max_file_age_millis', where, 1) ?? 24 * 3600_000,
      maxFiles: optInt(raw, 'max_files', where, 0) ?? 5,
      maxQueueBytes: optInt(raw, 'max_queue_bytes', where, 1024) ?? 8 * 1024 * 1024,
    };
  }
  if (raw.type === 'stream') {
    const transport = raw.transport ?? 'http_post';
    if (transport !== 'http_post' && transport !== 'ndjson' && transport !== 'websocket') {
      throw new ConfigError(`${where}.transport: expected "http_post", "websocket" or "ndjson", found ${describe(transport)}`);
    }
    const url = reqString(raw, 'url', where);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError(`${where}.url: expected a URL, found ${JSON.stringify(url)}`);
    }
    const schemes = transport === 'websocket' ? ['ws:', 'wss:'] : ['http:', 'https:'];
    if (!schemes.includes(parsed.protocol)) throw new ConfigError(`${where}.url: transport ${transport} expects a ${schemes.map((s) => s.slice(0, -1)).join(' or ')} URL, found ${url}`);
    const policy = raw.field_name_policy ?? 'preserve';
    if (policy !== 'preserve' && policy !== 'replace_dots') throw new ConfigError(`${where}.field_name_policy: expected "preserve" or "replace_dots", found ${describe(policy)}`);
    return {
      type: 'stream',
      name: name ?? where.replace(/^atof\./, ''),
      url,
      transport,
      headers: resolveHeaders(raw, where, env),
      timeoutMillis: optInt(raw, 'timeout_millis', where, 1) ?? 3000,
      fieldNamePolicy: policy,
      maxQueueBytes: optInt(raw, 'max_queue_bytes', where, 1024) ?? 8 * 1024 * 1024,
      maxQueueRecords: optInt(raw, 'max_queue_records', where, 1) ?? 10_000,
      maxBatchRecords: optInt(raw, 'max_batch_records', where, 1) ?? (transport === 'http_post' ? 1 : 500),
      retryInitialMillis: optInt(raw, 'retry_initial_millis', where, 1) ?? 500,
      retryMaxMillis: optInt(raw, 'retry_max_millis', where, 1) ?? 30_000,
    };
  }
  throw new ConfigError(`${where}.type: expected "file" or "stream", found ${describe(raw.type)}`);
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
