// Status views over the outputs: every output the config describes (on or off, each trace
// endpoint with its transport, each metrics and logs endpoint) with the health measured by
// its sink; and the published plugin's `outputs` summary (atif / otel / openInference), so
// scripts written against nemo-relay-openclaw keep reading the fields they know.

import { listConfiguredOutputs, type ConfiguredOutput } from '../config/outputs.ts';
import type { NemoRelayConfig } from '../config/types.ts';
import type { SinkHealth } from '../fanout/sink.ts';

/** `unmeasured`: configured and on, but no running sink reports on it (the plugin is disabled or the config invalid). */
export type OutputViewState = SinkHealth['state'] | 'unmeasured';

export interface OutputView extends ConfiguredOutput {
  state: OutputViewState;
  exported?: number;
  failures?: number;
  lastError?: { time: string; message: string };
}

interface EndpointDetail {
  state?: string;
  exported?: number;
  failures?: number;
  lastError?: { time: string; message: string };
}

const SIGNAL_SINK = { metrics: 'opentelemetry.metrics', logs: 'opentelemetry.logs' } as const;

export function outputsView(config: NemoRelayConfig, sinks: readonly SinkHealth[]): OutputView[] {
  const byName = new Map(sinks.map((s) => [s.name, s]));
  const seenPerSignal = { metrics: 0, logs: 0 };
  return listConfiguredOutputs(config).map((o): OutputView => {
    if (!o.enabled) return { ...o, state: 'disabled' };
    if (o.kind === 'metrics' || o.kind === 'logs') {
      // The signal's one sink reports its enabled endpoints in config order.
      const sink = byName.get(SIGNAL_SINK[o.kind]);
      const endpoints = sink?.details?.['endpoints'] as EndpointDetail[] | undefined;
      const e = endpoints?.[seenPerSignal[o.kind]++];
      if (!sink || !e) return { ...o, state: 'unmeasured' };
      const state: OutputViewState = sink.state === 'stopped' ? 'stopped' : e.state === 'degraded' ? 'degraded' : 'ok';
      return { ...o, state, exported: e.exported ?? 0, failures: e.failures ?? 0, ...(e.lastError ? { lastError: e.lastError } : {}) };
    }
    const sink = byName.get(o.name);
    if (!sink) return { ...o, state: 'unmeasured' };
    return { ...o, state: sink.state, exported: sink.exported, failures: sink.failures, ...(sink.lastError ? { lastError: sink.lastError } : {}) };
  });
}

/** The published plugin's per-output summary: `enabled`, `disabled` or `degraded`. */
export type PublishedOutputState = 'enabled' | 'disabled' | 'degraded';

export function publishedOutputs(config: NemoRelayConfig, sinks: readonly SinkHealth[]): { atif: PublishedOutputState; otel: PublishedOutputState; openInference: PublishedOutputState } {
  const summary = (list: readonly SinkHealth[], configured: boolean): PublishedOutputState => {
    if (!configured || list.length === 0) return 'disabled';
    return list.some((s) => s.state === 'degraded') ? 'degraded' : 'enabled';
  };
  const traces = config.otlp.filter((o) => o.enabled);
  const sinksOf = (names: Set<string>) => sinks.filter((s) => names.has(s.name));
  const otelNames = new Set(traces.map((o) => o.name));
  const oiNames = new Set(traces.filter((o) => o.projection !== 'gen_ai').map((o) => o.name));
  return {
    atif: summary(sinksOf(new Set(['atif'])), config.atif?.enabled === true),
    otel: summary(sinksOf(otelNames), traces.length > 0),
    openInference: summary(sinksOf(oiNames), oiNames.size > 0),
  };
}
