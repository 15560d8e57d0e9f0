// The plugin config of the replay: the published plugin's guide config as a user runs it,
// with every output switched on and pointed at this benchmark's sinks.

export interface OutputTargets {
  atifDir: string;
  opentelemetryUrl: string;
  openinferenceUrl: string;
  /** Outputs to switch on (default: all three); isolating one shows its share of the cost. */
  enabled?: readonly OutputName[];
  /** Parent of the OTLP outputs' disk spools (one folder each); default: under the state dir. */
  spoolDir?: string;
}

export const OUTPUTS = ['atif', 'opentelemetry', 'openinference'] as const;
export type OutputName = (typeof OUTPUTS)[number];

function spool(t: OutputTargets, name: string): { spool?: { directory: string } } {
  return t.spoolDir === undefined ? {} : { spool: { directory: `${t.spoolDir}/${name}` } };
}

export function guideConfig(t: OutputTargets): Record<string, unknown> {
  const on = (name: OutputName) => (t.enabled ?? OUTPUTS).includes(name);
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
            opentelemetry: { enabled: on('opentelemetry'), transport: 'http_binary', endpoint: t.opentelemetryUrl, service_name: 'openclaw-nemo-relay', ...spool(t, 'opentelemetry') },
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
