// The enrich stage: between finalize and the fan-out, the adaptive learner sees every
// finished run before any output does, and publishes what it learned as an Enrichment the
// outputs read (run span attributes, the ATIF root `extra`). It is not an output: it writes
// nothing, and outputs never reach it through another output.

import type { AdaptiveConfig } from '../config/types.ts';
import { createAdaptiveSink, type AdaptiveSink } from './sink.ts';

/** What outputs may read from the enrich stage. */
export type Enrichment = Pick<AdaptiveSink, 'attributesForRun' | 'atifExtraForSession' | 'plan'>;

/** The stage itself: fed by the fan-out like a sink (same contract), read by outputs as an Enrichment. */
export type EnrichStage = AdaptiveSink;

export function createEnrichStage(config: AdaptiveConfig | undefined): EnrichStage | undefined {
  return config?.enabled ? createAdaptiveSink(config) : undefined;
}
