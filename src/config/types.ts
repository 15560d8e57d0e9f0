// The normalized config every other module reads. Produced once by config/load.ts from the
// raw `plugins.entries["nemo-relay"].config`; defaults filled in, paths resolved, env applied.
// An output that cannot work carries `enabled: false` and a `disabledReason` for status;
// every other output stays as configured.

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

/** Something status lists on its own: on, or off with the reason. */
export interface OutputSwitch {
  enabled: boolean;
  /** Why a configured output is off (bad URL, unknown transport, an error the policy made fatal, OTEL_SDK_DISABLED). */
  disabledReason?: string;
}

export interface AtifConfig extends OutputSwitch {
  agentName: string;
  /** Absolute path. */
  outputDirectory: string;
  filenameTemplate: string;
  /** Published fields, passed through for the trajectory's `agent` block and root `extra`. */
  agentVersion?: string;
  modelName?: string;
  toolDefinitions?: Record<string, unknown>[];
  extra?: Record<string, unknown>;
  /** Where finished trajectory files are also uploaded (published `atif.storage`); the loader always sets it, undefined = none. */
  storage?: AtifStorageConfig[];
}

/** Published `atif.storage` entries; snake_case kept so the store code reads like the published docs. */
export interface AtifS3Storage extends OutputSwitch, AtifUploadPolicy {
  type: 's3';
  /** Status name, e.g. `atif.storage[0]`. */
  name: string;
  bucket: string;
  key_prefix: string;
  access_key_id?: string;
  /** Names of environment variables (their values are read by the store, never kept here). */
  secret_access_key_var?: string;
  session_token_var?: string;
  region?: string;
  endpoint_url?: string;
  allow_http: boolean;
  /** This plugin's own: per request. */
  timeout_millis: number;
}

/** This plugin's own upload knobs, on every store (defaults may sit beside `storage` in `atif`). */
export interface AtifUploadPolicy {
  upload_checkpoints: boolean;
  max_attempts: number;
  retry_initial_millis: number;
  retry_max_millis: number;
}

export interface AtifHttpStorage extends OutputSwitch, AtifUploadPolicy {
  type: 'http';
  name: string;
  endpoint: string;
  /** This plugin's own: prefix of the key sent beside the body. */
  key_prefix: string;
  /** Resolved from headers, header_env and header_file. Secrets: never log or report these. */
  headers: Record<string, string>;
  timeout_millis: number;
}

export type AtifStorageConfig = AtifS3Storage | AtifHttpStorage;

/** Published `atof`: the raw event journal (JSONL). */
export interface AtofConfig extends OutputSwitch {
  sinks: AtofSinkConfig[];
}

export interface AtofFileSink extends OutputSwitch {
  type: 'file';
  name: string;
  /** Absolute path. */
  output_directory: string;
  filename: string;
  mode: 'append' | 'overwrite';
  /** This plugin's own rotation and queue bounds: the journal never holds more than (max_files + 1) * max_file_bytes. */
  max_file_bytes: number;
  max_file_age_millis: number;
  max_files: number;
  max_queue_bytes: number;
}

export interface AtofStreamSink extends OutputSwitch {
  type: 'stream';
  name: string;
  url: string;
  transport: 'http_post' | 'websocket' | 'ndjson';
  headers: Record<string, string>;
  timeout_millis: number;
  field_name_policy: 'preserve' | 'replace_dots';
  /** This plugin's own queue, batch and backoff bounds. */
  max_queue_bytes: number;
  max_queue_records: number;
  max_batch_records: number;
  retry_initial_millis: number;
  retry_max_millis: number;
}

export type AtofSinkConfig = AtofFileSink | AtofStreamSink;

/** Which attribute conventions an OTLP output writes. `full` = gen_ai + OpenInference together. */
export type OtlpProjection = 'gen_ai' | 'openinference' | 'full';

/** `http_binary` = OTLP/HTTP with protobuf bodies; `grpc` = OTLP/gRPC. */
export type OtlpTransport = 'http_binary' | 'grpc';

/** TLS material, PEM text already read from the files the config or environment names. */
export interface OtlpTlsOptions {
  /** Roots to trust instead of the system's (a private CA, a test's self-signed cert). */
  ca?: string;
  /** Client certificate and key for mutual TLS; both or neither. */
  cert?: string;
  key?: string;
}

/** What every OTLP exporter (traces, metrics, logs) needs to reach its receiver. */
export interface OtlpEndpointBase extends OutputSwitch {
  /** Stable name for status: `opentelemetry`, `openinference`, `opentelemetry.endpoints[2]`, `opentelemetry.metrics.endpoints[0]`. */
  name: string;
  /**
   * http_binary: the full URL requests are POSTed to (a bare origin got `/v1/<signal>`).
   * grpc: the server URL (`http://` = plaintext, `https://` = TLS); the path is not used.
   */
  endpoint: string;
  transport: OtlpTransport;
  /** Resolved headers (gRPC: metadata), values from env and files already substituted. Secrets: never log or report these. */
  headers: Record<string, string>;
  timeoutMillis: number;
  compression: 'gzip' | 'none';
  /** https endpoints only (plaintext ignores it): `certificate`, `client_certificate`, `client_key` or OTEL_EXPORTER_OTLP_[<SIGNAL>_]{CERTIFICATE,CLIENT_CERTIFICATE,CLIENT_KEY}. */
  tls?: OtlpTlsOptions;
}

export interface InstrumentationScope {
  name: string;
  version?: string;
}

export type MarkProjection = 'inherit' | 'event' | 'tool';

export interface OtlpOutputConfig extends OtlpEndpointBase {
  projection: OtlpProjection;
  serviceName: string;
  serviceNamespace?: string;
  serviceVersion?: string;
  /** OTEL_RESOURCE_ATTRIBUTES overlaid by the config's resource_attributes. */
  resourceAttributes: Record<string, string | number | boolean>;
  /** OpenInference project (resource attribute + x-project-name header); undefined for plain gen_ai. */
  projectName?: string;
  /** Undefined: the plugin's own name and version. */
  instrumentationScope?: InstrumentationScope;
  // The loader always sets the fields below; undefined means the default (inherit / none).
  /** How marks become spans: `inherit` (the projection's default), as span `event`s, or as `tool`-like child spans. */
  markProjection?: MarkProjection;
  markExcludeNames?: string[];
  /** Copy attribute `key` also to `alias` on every span. */
  attributeMappings?: { key: string; alias: string }[];
  promoteMetadataPrefixes?: string[];
  promoteResourceMetadataPrefixes?: string[];
  completedSpanContextTtlMillis?: number;
  /** OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: longest string attribute value; undefined = no limit. */
  attributeValueLengthLimit?: number;
  /** OTEL_SEMCONV_STABILITY_OPT_IN for the gen_ai names; undefined = `compat`. */
  genAiSemconv?: GenAiSemconv;
  /** Spans waiting to be serialized at most. */
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  /** Encoded export requests held in memory at most (bytes). Default 64 MiB. */
  memoryBudgetBytes?: number;
  /** Disk spool; undefined = memory only. */
  spool?: OtlpSpoolConfig;
}

export interface OtlpSpoolConfig {
  /** Absolute path, one directory per output. */
  directory: string;
  maxBytes: number;
  maxAgeMs: number;
}

/**
 * Which gen_ai convention shape the trace outputs write. `latest_experimental`
 * (OTEL_SEMCONV_STABILITY_OPT_IN lists `gen_ai_latest_experimental`): the names of
 * @opentelemetry/semantic-conventions 1.45.0 only. `compat` (default): the same, plus the
 * deprecated `gen_ai.system` beside `gen_ai.provider.name`, the key OpenClaw's diagnostics-otel
 * writes by default.
 */
export type GenAiSemconv = 'compat' | 'latest_experimental';

export type MetricsEndpointConfig = OtlpEndpointBase;

export type MetricsTemporality = 'cumulative' | 'delta' | 'low_memory';

export interface MetricsConfig extends OutputSwitch {
  endpoints: MetricsEndpointConfig[];
  exportIntervalMillis: number;
  temporality: MetricsTemporality;
  maxInstruments: number;
  /** Attribute sets per instrument at most (the SDK's aggregation cardinality limit). */
  cardinalityLimit: number;
  serviceName: string;
  resourceAttributes: Record<string, string | number | boolean>;
}

export type LogsEndpointConfig = OtlpEndpointBase;

export type LogSeverity = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export interface LogsConfig extends OutputSwitch {
  endpoints: LogsEndpointConfig[];
  minimumSeverity: LogSeverity;
  /** OTel SeverityNumber of minimumSeverity (TRACE 1, DEBUG 5, INFO 9, WARN 13, ERROR 17, FATAL 21). */
  minimumSeverityNumber: number;
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  serviceName: string;
  resourceAttributes: Record<string, string | number | boolean>;
  attributeValueLengthLimit?: number;
}

export type SamplerKind =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

export interface SamplingConfig {
  sampler: SamplerKind;
  /** Used by the *traceidratio samplers; 0..1. */
  ratio: number;
  /** ATIF is complete by default; true applies the same per-session decision to ATIF. */
  applyToAtif: boolean;
  /** Where the sampler came from, for status. */
  source: 'default' | 'config' | 'env';
}

export interface AdaptiveConfig extends OutputSwitch {
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
  /** Undefined when no observability component configures ATIF. */
  atif?: AtifConfig;
  /** Undefined when no observability component configures `atof`. */
  atof?: AtofConfig;
  /** Every OTLP trace output, enabled or not (status shows disabled ones too). */
  otlp: OtlpOutputConfig[];
  /** `opentelemetry.metrics` (observability config version 4). */
  metrics?: MetricsConfig;
  /** `opentelemetry.logs` (observability config version 4). */
  logs?: LogsConfig;
  sampling: SamplingConfig;
  /** Published `enable_full_payloads`; accepted, capture.* decides what content leaves. */
  enableFullPayloads: boolean;
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
