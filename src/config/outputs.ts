// Every output the config describes, on or off, in one flat list: what nemoRelay.status shows
// for outputs that never got a sink (off by config, or switched off by a problem, with the
// reason), and what the runtime walks to build sinks.

import { safeUrl } from './read.ts';
import type { NemoRelayConfig } from './types.ts';

export type ConfiguredOutputKind = 'atif' | 'atif_storage' | 'atof' | 'atof_sink' | 'traces' | 'metrics' | 'logs';

export interface ConfiguredOutput {
  /** Status name: `atif`, `atif.storage[0]`, `opentelemetry.endpoints[1]`, `opentelemetry.metrics.endpoints[0]`, ... */
  name: string;
  kind: ConfiguredOutputKind;
  enabled: boolean;
  disabledReason?: string;
  /** OTLP outputs: `http_binary` or `grpc`; stores and sinks: their type / transport. */
  transport?: string;
  /** Where it sends: a URL with user:password and query masked, or a directory for file outputs. */
  target?: string;
}

export function listConfiguredOutputs(config: NemoRelayConfig): ConfiguredOutput[] {
  const out: ConfiguredOutput[] = [];
  const push = (o: ConfiguredOutput & { disabledReason?: string | undefined }) => {
    const { disabledReason, ...rest } = o;
    out.push(disabledReason ? { ...rest, disabledReason } : rest);
  };
  const { atif, atof, metrics, logs } = config;
  if (atif) {
    push({ name: 'atif', kind: 'atif', enabled: atif.enabled, disabledReason: atif.disabledReason, target: atif.outputDirectory });
    for (const s of atif.storage ?? []) {
      const on = atif.enabled && s.enabled;
      push({ name: s.name, kind: 'atif_storage', enabled: on, disabledReason: s.disabledReason ?? (on ? undefined : atif.disabledReason), transport: s.type, target: s.type === 's3' ? `s3://${s.bucket}/${s.key_prefix}` : safeUrl(s.endpoint) });
    }
  }
  if (atof) {
    push({ name: 'atof', kind: 'atof', enabled: atof.enabled, disabledReason: atof.disabledReason });
    for (const s of atof.sinks) {
      const on = atof.enabled && s.enabled;
      push({ name: s.name, kind: 'atof_sink', enabled: on, disabledReason: s.disabledReason ?? (on ? undefined : atof.disabledReason), transport: s.type === 'file' ? 'file' : s.transport, target: s.type === 'file' ? s.output_directory : safeUrl(s.url) });
    }
  }
  for (const o of config.otlp) push({ name: o.name, kind: 'traces', enabled: o.enabled, disabledReason: o.disabledReason, transport: o.transport, target: safeUrl(o.endpoint) });
  for (const [kind, section] of [['metrics', metrics], ['logs', logs]] as const) {
    if (!section) continue;
    for (const e of section.endpoints) {
      const on = section.enabled && e.enabled;
      push({ name: e.name, kind, enabled: on, disabledReason: e.disabledReason ?? (on ? undefined : section.disabledReason), transport: e.transport, target: safeUrl(e.endpoint) });
    }
  }
  return out;
}
