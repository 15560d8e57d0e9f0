// The OTLP output's registry entry: one sink per configured endpoint, each with its
// projection (gen_ai, OpenInference or both), sharing the exporter plumbing of this folder.

import type { OutputEntry } from '../registry.ts';
import { createOtlpOutputSink } from './projections.ts';

export const otlpOutput: OutputEntry = {
  name: 'otlp',
  sampled: 'traces',
  create(config, ctx) {
    const enrichment = ctx.enrichment;
    return config.otlp
      .filter((output) => output.enabled)
      .map((output) =>
        createOtlpOutputSink(output, {
          version: ctx.pluginVersion,
          lane: ctx.lane,
          ...(enrichment
            ? { extraAttributes: (subject) => (subject.kind === 'run' ? enrichment.attributesForRun(subject.run, subject.session.agentId) : undefined) }
            : {}),
        }),
      );
  },
};
