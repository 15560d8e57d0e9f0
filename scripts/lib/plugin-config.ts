// The nemo-relay config that tests, the demo and the benchmark give OpenClaw: the published
// guide's shape with the outputs pointed at this run's folder and receiver.

export interface OtlpTarget {
  endpoint: string;
  serviceName: string;
  projectName?: string;
  /** Short batch delay so a test does not wait a second for spans. */
  scheduledDelayMillis?: number;
  timeoutMillis?: number;
}

export interface RelayConfigOptions {
  atifDir?: string;
  opentelemetry?: OtlpTarget;
  openinference?: OtlpTarget;
  adaptive?: boolean;
  /** Tool arguments and results are stripped by default; tests and the demo want them. */
  keepToolContent?: boolean;
}

export function relayConfig(o: RelayConfigOptions): Record<string, unknown> {
  const otlp = (t: OtlpTarget | undefined) =>
    t && {
      enabled: true,
      transport: 'http_binary',
      endpoint: t.endpoint,
      service_name: t.serviceName,
      ...(t.projectName ? { project_name: t.projectName } : {}),
      ...(t.scheduledDelayMillis !== undefined ? { scheduled_delay_millis: t.scheduledDelayMillis } : {}),
      ...(t.timeoutMillis !== undefined ? { timeout_millis: t.timeoutMillis } : {}),
    };
  const observability: Record<string, unknown> = { version: 1 };
  if (o.atifDir) observability.atif = { enabled: true, agent_name: 'openclaw', output_directory: o.atifDir };
  if (o.opentelemetry) observability.opentelemetry = otlp(o.opentelemetry);
  if (o.openinference) observability.openinference = otlp(o.openinference);
  const components: Record<string, unknown>[] = [{ kind: 'observability', enabled: true, config: observability }];
  if (o.adaptive) {
    components.push({
      kind: 'adaptive',
      enabled: true,
      config: { version: 1, agent_id: 'openclaw', state: { backend: { kind: 'in_memory', config: {} } }, telemetry: { learners: ['tool_parallelism'] } },
    });
  }
  return {
    enabled: true,
    backend: 'hooks',
    plugins: { version: 1, components },
    capture: { includePrompts: true, includeResponses: true, stripToolArgs: !o.keepToolContent, stripToolResults: !o.keepToolContent },
  };
}
