// Every OpenTelemetry semantic-convention name the OTLP, logs and metrics outputs write, in one
// place. The gen_ai names are still "development" in the conventions, so they live in the
// package's `/incubating` entry (@opentelemetry/semantic-conventions 1.45.0, pinned): a new
// release can rename them, and then this module is the one file to read. The incubating entry
// re-exports the stable names too, but those come from the root entry so that nothing stable
// depends on the experimental one.
//
// Names the package version in use does not have are the local constants at the end, each
// with the reason.

import { ATTR_ERROR_TYPE, ERROR_TYPE_VALUE_OTHER } from '@opentelemetry/semantic-conventions';
import {
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
  ATTR_GEN_AI_TOOL_DESCRIPTION,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_SESSION_ID,
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
  GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
} from '@opentelemetry/semantic-conventions/incubating';

export const GEN_AI = {
  OPERATION_NAME: ATTR_GEN_AI_OPERATION_NAME,
  PROVIDER_NAME: ATTR_GEN_AI_PROVIDER_NAME,
  /** Deprecated for PROVIDER_NAME; written beside it unless `gen_ai_latest_experimental` (semconv.ts). */
  SYSTEM: ATTR_GEN_AI_SYSTEM,
  REQUEST_MODEL: ATTR_GEN_AI_REQUEST_MODEL,
  RESPONSE_MODEL: ATTR_GEN_AI_RESPONSE_MODEL,
  RESPONSE_ID: ATTR_GEN_AI_RESPONSE_ID,
  RESPONSE_FINISH_REASONS: ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  USAGE_INPUT_TOKENS: ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  USAGE_OUTPUT_TOKENS: ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  USAGE_CACHE_READ_INPUT_TOKENS: ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  USAGE_CACHE_CREATION_INPUT_TOKENS: ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  INPUT_MESSAGES: ATTR_GEN_AI_INPUT_MESSAGES,
  OUTPUT_MESSAGES: ATTR_GEN_AI_OUTPUT_MESSAGES,
  SYSTEM_INSTRUCTIONS: ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  TOOL_DEFINITIONS: ATTR_GEN_AI_TOOL_DEFINITIONS,
  CONVERSATION_ID: ATTR_GEN_AI_CONVERSATION_ID,
  AGENT_NAME: ATTR_GEN_AI_AGENT_NAME,
  AGENT_ID: ATTR_GEN_AI_AGENT_ID,
  TOOL_NAME: ATTR_GEN_AI_TOOL_NAME,
  TOOL_TYPE: ATTR_GEN_AI_TOOL_TYPE,
  TOOL_DESCRIPTION: ATTR_GEN_AI_TOOL_DESCRIPTION,
  TOOL_CALL_ID: ATTR_GEN_AI_TOOL_CALL_ID,
  TOOL_CALL_ARGUMENTS: ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  TOOL_CALL_RESULT: ATTR_GEN_AI_TOOL_CALL_RESULT,
} as const;

export const GEN_AI_OPERATION = {
  CHAT: GEN_AI_OPERATION_NAME_VALUE_CHAT,
  EXECUTE_TOOL: GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
  INVOKE_AGENT: GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
} as const;

/** `session.id` (incubating `session` namespace): logs carry it as the gen_ai spans' session. */
export const SESSION_ID = ATTR_SESSION_ID;
/** Stable: the error class on a failed span. */
export const ERROR_TYPE = ATTR_ERROR_TYPE;
export const ERROR_TYPE_OTHER = ERROR_TYPE_VALUE_OTHER;

// ---- Local: not in @opentelemetry/semantic-conventions 1.45.0 ----

/**
 * `gen_ai.tool.type` value for a function tool. The conventions list `function`, `extension`
 * and `datastore` as well-known values, but 1.45.0 exports no GEN_AI_TOOL_TYPE_VALUE_* constant.
 */
export const GEN_AI_TOOL_TYPE_FUNCTION = 'function';

/**
 * The semantic-conventions release whose names this output writes: the installed package's
 * version (a unit test checks they agree). 1.45.0 exports no schema-URL constant, so the
 * instrumentation scope's schema_url is built here from the version.
 */
export const SEMCONV_VERSION = '1.45.0';
export const SEMCONV_SCHEMA_URL = `https://opentelemetry.io/schemas/${SEMCONV_VERSION}`;
