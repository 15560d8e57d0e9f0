// What the logs output needs, close to the published `opentelemetry.logs` section (snake_case
// there, camelCase here); the runtime maps the config onto it.

import type { Session } from '../../trace/model.ts';
import type { OtlpTarget } from '../otlp/transport.ts';

/** minimum_severity: a level name (trace, debug, info, warn/warning, error, fatal) or an OTel SeverityNumber 1-24. */
export type MinimumSeverity = string | number;

export interface LogsOutputOptions {
  /** Name in status; default `logs`. */
  name?: string;
  enabled: boolean;
  /** One batch processor per endpoint; each has its own queue and health. */
  endpoints: readonly OtlpTarget[];
  /** Records below this are not emitted; default info. */
  minimumSeverity?: MinimumSeverity;
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  serviceName: string;
  resourceAttributes?: Record<string, string | number | boolean>;
  /** Longest string in a record's attributes and body (OTEL_[LOGRECORD_]ATTRIBUTE_VALUE_LENGTH_LIMIT); undefined = no limit. */
  attributeValueLengthLimit?: number;
  version?: string;
  now?: () => number;
  /** Bound for shutdown()'s final flush; default 5000 ms. */
  shutdownTimeoutMillis?: number;
}

/** Something that went wrong outside the trace model (an output failing, a dropped batch), as a log record. */
export interface Diagnostic {
  /** Stable machine name, e.g. `output.failure`, `output.dropped`. */
  name: string;
  severity: 'info' | 'warning' | 'error';
  message: string;
  time?: number;
  /** The output it concerns, e.g. `opentelemetry[2]`. */
  output?: string;
  attributes?: Record<string, string | number | boolean>;
  /** Ties the record to the session's span (trace and span ids) and session id. */
  session?: Session;
}
