// The journal's view of `atof`: built from the normalized config (src/config parses and
// validates the published fields and this plugin's own rotation, queue and backoff bounds;
// see README). Sinks the config switched off are left out.

import path from 'node:path';
import type { AtofConfig as AtofSection } from '../../config/types.ts';

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

/** Undefined when `atof` is absent, off, or has no enabled sink. */
export function atofFromConfig(section: AtofSection | undefined): AtofConfig | undefined {
  if (!section?.enabled) return undefined;
  const sinks = section.sinks.filter((s) => s.enabled).map((s): AtofSinkConfig => s.type === 'file'
    ? {
        type: 'file', name: s.name, file: path.join(s.output_directory, s.filename), mode: s.mode,
        maxFileBytes: s.max_file_bytes, maxFileAgeMillis: s.max_file_age_millis, maxFiles: s.max_files, maxQueueBytes: s.max_queue_bytes,
      }
    : {
        type: 'stream', name: s.name, url: s.url, transport: s.transport, headers: s.headers, timeoutMillis: s.timeout_millis,
        fieldNamePolicy: s.field_name_policy, maxQueueBytes: s.max_queue_bytes, maxQueueRecords: s.max_queue_records,
        maxBatchRecords: s.max_batch_records, retryInitialMillis: s.retry_initial_millis, retryMaxMillis: s.retry_max_millis,
      });
  return sinks.length ? { enabled: true, sinks } : undefined;
}
