// What the adaptive component supports. Kept free of imports so the config loader can name
// unknown backend kinds and learner names (per the config `policy`) without loading the sink.

export const ADAPTIVE_BACKEND_KINDS = ['in_memory'] as const;
export type AdaptiveBackendKind = (typeof ADAPTIVE_BACKEND_KINDS)[number];

export const ADAPTIVE_LEARNERS = ['tool_parallelism'] as const;
export type AdaptiveLearnerName = (typeof ADAPTIVE_LEARNERS)[number];

export function isAdaptiveBackendKind(value: string): value is AdaptiveBackendKind {
  return (ADAPTIVE_BACKEND_KINDS as readonly string[]).includes(value);
}

export function isAdaptiveLearner(value: string): value is AdaptiveLearnerName {
  return (ADAPTIVE_LEARNERS as readonly string[]).includes(value);
}
