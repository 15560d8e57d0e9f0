// Config -> the list of sinks. The one place that knows every exporter; adding an output is
// one folder under src/outputs and one entry here.

import type { LoadedConfig } from '../config/load.ts';
import { createAdaptiveSink } from '../enrich/index.ts';
import { createAtifSink } from '../outputs/atif/sink.ts';
import { createOtlpOutputSink } from '../outputs/otlp/projections.ts';
import type { TraceSink } from '../fanout/sink.ts';
import type { Runtime } from './runtime.ts';

export function createOutputs(loaded: LoadedConfig, runtime: Runtime): TraceSink[] {
  const { config } = loaded;
  const sinks: TraceSink[] = [];
  // The learner runs first so the run it just learned from is in the plan the others read.
  const adaptive = config.adaptive?.enabled ? createAdaptiveSink(config.adaptive) : undefined;
  if (adaptive) sinks.push(adaptive);
  if (config.atif?.enabled) {
    sinks.push(
      createAtifSink(config.atif, {
        openclawVersion: runtime.openclawVersion ?? 'unknown',
        pluginVersion: runtime.pluginVersion,
        lane: runtime.lane,
        ...(adaptive ? { rootExtra: (root) => adaptive.atifExtraForSession(root) as Record<string, unknown> | undefined } : {}),
      }),
    );
  }
  for (const output of config.otlp) {
    if (!output.enabled) continue;
    sinks.push(
      createOtlpOutputSink(output, {
        version: runtime.pluginVersion,
        lane: runtime.lane,
        ...(adaptive
          ? { extraAttributes: (subject) => (subject.kind === 'run' ? adaptive.attributesForRun(subject.run, subject.session.agentId) : undefined) }
          : {}),
      }),
    );
  }
  return sinks;
}
