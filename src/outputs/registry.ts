// The one output registry: config -> the sinks the fan-out delivers to. Adding an output is
// a folder under src/outputs/ that exports an OutputEntry, and one line in OUTPUTS below.

import type { NemoRelayConfig } from '../config/types.ts';
import type { BackgroundLane } from '../fanout/lane.ts';
import type { TraceSink } from '../fanout/sink.ts';
import type { Enrichment } from '../enrich/stage.ts';
import { atifOutput } from './atif/index.ts';
import type { SessionSamplingGate } from './sampling-gate.ts';
import { otlpOutput } from './otlp/index.ts';
import { metricsOutput } from './metrics/index.ts';
import { logsOutput } from './logs/index.ts';

/** What every output gets besides its config section. */
export interface OutputContext {
  pluginVersion: string;
  openclawVersion: string;
  /** Where CPU work runs (rendering, span building): the lane yields to hooks. */
  lane: BackgroundLane;
  /** What the enrich stage learned, for outputs that annotate with it; undefined when off. */
  enrichment?: Enrichment;
  /** The environment secrets are read from (S3 keys named by `*_var` fields); process.env by default. */
  env?: Record<string, string | undefined>;
  /** Hook events handled so far (metrics' health gauges); read off the hook path. */
  hookEvents?: () => number;
  /** Every sink the fan-out delivers to (metrics' health gauges, the logs output's failure watch). */
  outputs?: () => readonly TraceSink[];
  /** The per-session sampling decision; entries with `sampled` get their sinks gated by it. */
  sampling?: SessionSamplingGate;
}

export interface OutputEntry {
  readonly name: string;
  /** Which sampling applies: `traces` skips sampled-out sessions, `atif` only when ATIF opted in; none = complete. */
  readonly sampled?: 'traces' | 'atif';
  /** The sinks for this config: none when the output is not configured or switched off. */
  create(config: NemoRelayConfig, ctx: OutputContext): TraceSink[];
}

export const OUTPUTS: readonly OutputEntry[] = [atifOutput, otlpOutput, metricsOutput, logsOutput];

export function createOutputs(config: NemoRelayConfig, ctx: OutputContext, entries: readonly OutputEntry[] = OUTPUTS): TraceSink[] {
  const gate = ctx.sampling;
  return entries.flatMap((entry) => {
    const sinks = entry.create(config, ctx);
    const kind = entry.sampled;
    return gate && kind ? sinks.map((s) => gate.wrap(s, kind)) : sinks;
  });
}
