// The OpenClaw hooks this plugin listens to, and which of them OpenClaw withholds from a
// non-bundled plugin unless `hooks.allowConversationAccess` is set (a gate of OpenClaw 2026.9.6).

export const SUBSCRIBED_HOOKS = [
  'gateway_start',
  'gateway_stop',
  'session_start',
  'session_end',
  'before_agent_reply',
  'before_model_resolve',
  'agent_turn_prepare',
  'before_prompt_build',
  'before_agent_run',
  'llm_input',
  'model_call_started',
  'model_call_ended',
  'before_message_write',
  'before_tool_call',
  'after_tool_call',
  'tool_result_persist',
  'before_agent_finalize',
  'agent_end',
  'llm_output',
  'before_compaction',
  'after_compaction',
  'subagent_spawned',
  'subagent_delivery_target',
  'subagent_ended',
] as const;

export type SubscribedHook = (typeof SUBSCRIBED_HOOKS)[number];

export const CONVERSATION_GATED_HOOKS: ReadonlySet<string> = new Set([
  'before_model_resolve',
  'agent_turn_prepare',
  'before_prompt_build',
  'before_agent_reply',
  'before_agent_run',
  'llm_input',
  'llm_output',
  'before_agent_finalize',
  'agent_end',
]);

/**
 * Not an OpenClaw hook: the final request body a provider of this plugin (dynamo) saw in its
 * onPayload, `{callId, body}`, fed through the same ingest path as the hooks.
 */
export const PROVIDER_REQUEST = 'nemo_relay.provider_request';

/**
 * Not an OpenClaw hook: a `model.usage` diagnostic event (onInternalDiagnosticEvent). For a call
 * another plugin made through `api.runtime.llm`, the only trace OpenClaw leaves.
 */
export const DIAGNOSTIC_MODEL_USAGE = 'nemo_relay.diagnostic.model_usage';
