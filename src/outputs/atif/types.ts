// The ATIF v1.7 document shape (Harbor RFC 0001, "Agent Trajectory Interchange Format"), as
// far as this exporter writes it. schemas/atif.schema.json is the authority for validation;
// these types only keep the builders honest. Optional fields are left out, never null.

export const ATIF_SCHEMA_VERSION = 'ATIF-v1.7';

import type { Session } from '../../trace/model.ts';
import type { Annotation } from '../../trace/annotation.ts';

export type JsonObject = { [key: string]: unknown };

export interface AtifToolDefinition {
  type: 'function';
  function: { name: string; description?: string; parameters?: JsonObject };
}

export interface AtifAgent {
  name: string;
  version: string;
  model_name?: string;
  tool_definitions?: AtifToolDefinition[];
  extra?: JsonObject;
}

export interface AtifToolCall {
  tool_call_id: string;
  function_name: string;
  /** The spec requires an object (possibly `{}`). */
  arguments: JsonObject;
  extra?: JsonObject;
}

export interface AtifSubagentRef {
  trajectory_id: string;
  /** Informational only in v1.7: never a resolution key. */
  session_id?: string;
  extra?: JsonObject;
}

export interface AtifObservationResult {
  source_call_id?: string;
  content?: string;
  subagent_trajectory_ref?: AtifSubagentRef[];
  extra?: JsonObject;
}

export interface AtifMetrics {
  /** All prompt tokens, cached ones included. */
  prompt_tokens?: number;
  completion_tokens?: number;
  /** The cache-hit subset of prompt_tokens. */
  cached_tokens?: number;
  cost_usd?: number;
  extra?: JsonObject;
}

export type AtifSource = 'system' | 'user' | 'agent';

/** A step before numbering: step_id is assigned when the document is assembled. */
export interface AtifStepBody {
  timestamp?: string;
  source: AtifSource;
  model_name?: string;
  message: string;
  reasoning_content?: string;
  tool_calls?: AtifToolCall[];
  observation?: { results: AtifObservationResult[] };
  metrics?: AtifMetrics;
  llm_call_count?: number;
  extra?: JsonObject;
}

export interface AtifStep extends AtifStepBody {
  step_id: number;
}

export interface AtifFinalMetrics {
  total_prompt_tokens: number;
  total_completion_tokens: number;
  total_cached_tokens: number;
  total_cost_usd?: number;
  total_steps: number;
  extra?: JsonObject;
}

export interface AtifTrajectory {
  schema_version: string;
  session_id?: string;
  trajectory_id: string;
  agent: AtifAgent;
  steps: AtifStep[];
  final_metrics?: AtifFinalMetrics;
  subagent_trajectories?: AtifTrajectory[];
  notes?: string;
  extra?: JsonObject;
}

/** What the builders need to know that is not in the trace. */
export interface AtifMeta {
  /** config `agent_name`. */
  agentName: string;
  /** OpenClaw's version: ATIF agent.version names the agent system, which is OpenClaw. */
  openclawVersion: string;
  pluginVersion: string;
  /** Extra root-level `extra` entries from other components (the adaptive plan). */
  rootExtra?: (root: Session) => JsonObject | undefined;
  /** A run's annotation (nemoRelay.annotate), put on each of its steps' `extra.annotations`. */
  runAnnotation?: (root: Session, runId: string) => Annotation | undefined;
}
