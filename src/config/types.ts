// The normalized config every other module reads. Produced once by config/load.ts from the
// raw `plugins.entries["nemo-relay"].config`; defaults filled in, paths resolved, env applied.

export interface CaptureConfig {
  includePrompts: boolean;
  includeResponses: boolean;
  stripToolArgs: boolean;
  stripToolResults: boolean;
  scrubSecrets: boolean;
  /** Extra secret patterns, already compiled (global flag set). */
  secretPatterns: RegExp[];
  maxFieldBytes: number;
}

export interface CorrelationConfig {
  llmOutputGraceMs: number;
  recordTtlMs: number;
  maxRecordsPerKey: number;
  sessionIdleMs: number;
  maxOpenSessions: number;
  /**
   * `per_run`: spans live in the trace OpenClaw propagates for each run (the provider's
   * traceparent points into it); `per_session`: one trace per session, runs under the session span.
   */
  traceMode: TraceMode;
}

export type TraceMode = 'per_run' | 'per_session';

export interface AtifConfig {
  enabled: boolean;
  agentName: string;
  /** Absolute path. */
  outputDirectory: string;
  filenameTemplate: string;
}

/** Which attribute conventions an OTLP output writes. `full` = gen_ai + OpenInference together. */
export type OtlpProjection = 'gen_ai' | 'openinference' | 'full';

export interface OtlpOutputConfig {
  /** Stable name for status: `opentelemetry`, `openinference`, or `opentelemetry[2]` for the endpoints form. */
  name: string;
  projection: OtlpProjection;
  enabled: boolean;
  endpoint: string;
  /** Resolved headers, values from env already substituted. Secrets: never log or report these. */
  headers: Record<string, string>;
  serviceName: string;
  resourceAttributes: Record<string, string | number | boolean>;
  /** OpenInference project (resource attribute + x-project-name header); undefined for plain gen_ai. */
  projectName?: string;
  timeoutMillis: number;
  compression: 'gzip' | 'none';
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
}

export interface AdaptiveConfig {
  enabled: boolean;
  agentId: string;
  backend: 'in_memory';
  learners: string[];
  maxAgents: number;
  maxToolsPerAgent: number;
  maxGroupsPerAgent: number;
}

export type UnsupportedBehavior = 'ignore' | 'warn' | 'error';

export interface PolicyConfig {
  unknownComponent: UnsupportedBehavior;
  unknownField: UnsupportedBehavior;
  unsupportedValue: UnsupportedBehavior;
}

export interface NemoRelayConfig {
  enabled: boolean;
  backend: 'hooks';
  capture: CaptureConfig;
  correlation: CorrelationConfig;
  /** Undefined when no observability component enables ATIF. */
  atif?: AtifConfig;
  /** Every OTLP output, enabled or not (status shows disabled ones too). */
  otlp: OtlpOutputConfig[];
  adaptive?: AdaptiveConfig;
  policy: PolicyConfig;
}

/** One config problem, as logged and as shown in nemoRelay.status. */
export interface ConfigIssue {
  /** JSON path from the config root, e.g. `/plugins/components/0/config/atif/output_directory`. */
  path: string;
  expected: string;
  found: string;
  severity: 'error' | 'warning';
  message: string;
}
