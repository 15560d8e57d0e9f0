// The projection each configured OTLP output writes, and the one-call factory the runtime
// wires: `createOtlpOutputSink(config)` for every entry of NemoRelayConfig.otlp.

import type { GenAiSemconv, OtlpOutputConfig, OtlpProjection } from '../../config/types.ts';
import type { TraceSink } from '../../fanout/sink.ts';
import { openInferenceProjection } from './openinference/openinference-projection.ts';
import { genAiProjection, genAiProjectionFor } from './gen-ai/gen-ai-projection.ts';
import type { Attributes } from '@opentelemetry/api';
import { combineProjections, withExtraAttributes } from './projection.ts';
import type { SpanProjection } from './projection.ts';
import type { SpanSubject } from './span-plan.ts';
import { createOtlpSink } from './sink.ts';
import type { OtlpSinkOptions } from './sink.ts';

/** `full`: both attribute sets on one span; gen_ai names the span. */
export const fullProjection: SpanProjection = combineProjections('full', genAiProjection, openInferenceProjection);

const latest = genAiProjectionFor('latest_experimental');
const fullLatest = combineProjections('full', latest, openInferenceProjection);

/** `semconv`: the gen_ai shape (config genAiSemconv; OpenInference has no such switch). */
export function projectionFor(kind: OtlpProjection, semconv: GenAiSemconv = 'compat'): SpanProjection {
  const isLatest = semconv === 'latest_experimental';
  switch (kind) {
    case 'gen_ai':
      return isLatest ? latest : genAiProjection;
    case 'openinference':
      return openInferenceProjection;
    case 'full':
      return isLatest ? fullLatest : fullProjection;
  }
}

export function createOtlpOutputSink(
  config: OtlpOutputConfig,
  opts: OtlpSinkOptions & { extraAttributes?: (subject: SpanSubject) => Attributes | undefined } = {},
): TraceSink {
  const base = projectionFor(config.projection, config.genAiSemconv);
  return createOtlpSink(config, opts.extraAttributes ? withExtraAttributes(base, opts.extraAttributes) : base, opts);
}
