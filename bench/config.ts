// The plugin config of the replay: the published plugin's guide config as a user runs it,
// with every output switched on and pointed at this benchmark's sinks.

export interface OutputTargets {
  atifDir: string;
  opentelemetryUrl: string;
  openinferenceUrl: string;
  /** Origin of the metrics and logs collector; default the traces receiver's (which answers 404 there). */
  signalsOrigin?: string;
  /** Outputs to switch on (default: all three); isolating one shows its share of the cost. */
  enabled?: readonly OutputName[];
  /** Parent of the OTLP outputs' disk spools (one folder each); default: under the state dir. */
  spoolDir?: string;
}

export const OUTPUTS = ['atif', 'opentelemetry', 'openinference'] as const;
/** OTel metrics and logs (issue 12), off unless named: they export to the signals collector (bench/receiver). */
export const SIGNAL_OUTPUTS = ['metrics', 'logs'] as const;
export type OutputName = (typeof OUTPUTS)[number] | (typeof SIGNAL_OUTPUTS)[number];
/** Every output: the bench's default, and what its targets are judged with. */
export const ALL_OUTPUTS: readonly OutputName[] = [...OUTPUTS, ...SIGNAL_OUTPUTS];

function spool(t: OutputTargets, name: string): { spool?: { directory: string } } {
  return t.spoolDir === undefined ? {} : { spool: { directory: `${t.spoolDir}/${name}` } };
}

export function guideConfig(t: OutputTargets): Record<string, unknown> {
  const on = (name: OutputName) => ((t.enabled ?? OUTPUTS) as readonly OutputName[]).includes(name);
  // Metrics and logs exporters run on their own timers; the bench measures what they add to the hook path.
  const origin = t.signalsOrigin ?? new URL(t.opentelemetryUrl).origin;
  const signals = {
    ...(on('metrics') ? { metrics: { enabled: true, export_interval_millis: 1000, endpoints: [{ endpoint: origin, transport: 'http_binary' }] } } : {}),
    ...(on('logs') ? { logs: { enabled: true, minimum_severity: 'trace', endpoints: [{ endpoint: origin, transport: 'http_binary' }] } } : {}),
  };
  return {
    enabled: true,
    backend: 'hooks',
    plugins: {
      version: 1,
      components: [
        {
          kind: 'observability',
          enabled: true,
          config: {
            version: 1,
            atif: { enabled: on('atif'), agent_name: 'openclaw', output_directory: t.atifDir },
            opentelemetry: { enabled: on('opentelemetry'), transport: 'http_binary', endpoint: t.opentelemetryUrl, service_name: 'openclaw-nemo-relay', ...spool(t, 'opentelemetry'), ...signals },
            openinference: { enabled: on('openinference'), transport: 'http_binary', endpoint: t.openinferenceUrl, service_name: 'openclaw-nemo-relay', ...spool(t, 'openinference') },
          },
        },
        {
          kind: 'adaptive',
          enabled: true,
          config: { version: 1, agent_id: 'openclaw', state: { backend: { kind: 'in_memory', config: {} } }, telemetry: { learners: ['tool_parallelism'] } },
        },
      ],
    },
    capture: { includePrompts: true, includeResponses: true, stripToolArgs: true, stripToolResults: true },
    correlation: { llmOutputGraceMs: 250, recordTtlMs: 600000, maxRecordsPerKey: 32 },
  };
}

/** The OTLP outputs the guide config turns on, by their status names. */
export const OTLP_OUTPUTS = ['opentelemetry', 'openinference'] as const;
