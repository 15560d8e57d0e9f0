// Public surface of the adaptive component, for the runtime wiring, the config loader and status.

export { ADAPTIVE_BACKEND_KINDS, ADAPTIVE_LEARNERS, isAdaptiveBackendKind, isAdaptiveLearner } from '../config/adaptive-kinds.ts';
export type { AdaptiveBackendKind, AdaptiveLearnerName } from '../config/adaptive-kinds.ts';
export { ADAPTIVE_SINK_NAME, createAdaptiveSink } from './sink.ts';
export type { AdaptiveAtifExtra, AdaptiveSink, AdaptiveSinkOptions } from './sink.ts';
export { MIN_RUNS_FOR_RECOMMENDATION, PLAN_VERSION } from './plan.ts';
export type { AdaptivePlanJson, AgentPlanJson, Recommendation, SightingJson, ToolPlanJson, ToolSetPlanJson } from './plan.ts';
export { RUN_ATTRIBUTE_PREFIX } from './run-plan.ts';
export type { RunAttributeValue, RunPlanJson } from './run-plan.ts';
