// What the metrics output needs, close to the published `opentelemetry.metrics` section
// (snake_case there, camelCase here); the runtime maps the config onto it.

import type { OtlpTarget } from '../otlp/transport.ts';

export type MetricsTemporality = 'cumulative' | 'delta' | 'low_memory';

/** The plugin's own counters, read when a metrics export collects (never on the hook path). */
export interface PluginHealthSnapshot {
  /** Hook events handled since start. */
  events: number;
  /** Items dropped since start, all outputs together. */
  dropped: number;
  /** Items waiting in export queues now, all outputs together. */
  queueDepth: number;
  /** The same per output, labelled by output name. */
  outputs?: readonly { name: string; dropped: number; queueDepth: number; failures: number }[];
}

export interface MetricsOutputOptions {
  /** Name in status; default `metrics`. */
  name?: string;
  enabled: boolean;
  /** One reader per endpoint; each is exported to independently and has its own health. */
  endpoints: readonly OtlpTarget[];
  /** export_interval_millis (published default 60000). */
  exportIntervalMillis: number;
  temporality: MetricsTemporality;
  /** cardinality_limit: attribute sets per instrument; beyond it the SDK folds into one overflow series. */
  cardinalityLimit?: number;
  /** max_instruments: instruments beyond this many (in the order of INSTRUMENTS) are not created. */
  maxInstruments?: number;
  serviceName: string;
  resourceAttributes?: Record<string, string | number | boolean>;
  /** Version reported in the instrumentation scope. */
  version?: string;
  healthSource?: () => PluginHealthSnapshot;
  now?: () => number;
  /** Bound for shutdown()'s final export; default 5000 ms. */
  shutdownTimeoutMillis?: number;
}
