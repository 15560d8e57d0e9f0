// The generic OpenTelemetry output: gen_ai semantic conventions (agent, inference and tool
// execution spans). Every name comes from names.ts (@opentelemetry/semantic-conventions,
// incubating); which shape is written (`compat` or `latest_experimental`) is the config's
// genAiSemconv, from OTEL_SEMCONV_STABILITY_OPT_IN.

import type { Attributes } from '@opentelemetry/api';

import type { GenAiSemconv } from '../../../config/types.ts';
import type { LlmCall, Run, Session, ToolSpan, Usage } from '../../../trace/model.ts';
import { agentName, conversationId, finalCall, promptTokens, runUsage, toolDefinition } from '../model-facts.ts';
import { AttributeBag, toJson } from '../projection.ts';
import type { SpanProjection } from '../projection.ts';
import type { PlannedSpan, SpanSubject } from '../span-plan.ts';
import { finishReason, inputMessages, outputMessages, systemInstructions } from './gen-ai-messages.ts';
import type { GenAiMessage, GenAiPart } from './gen-ai-messages.ts';
import { GEN_AI, GEN_AI_OPERATION, GEN_AI_TOOL_TYPE_FUNCTION, SEMCONV_SCHEMA_URL, SESSION_ID } from './names.ts';

export { GEN_AI, GEN_AI_OPERATION } from './names.ts';

function usage(bag: AttributeBag, u: Usage | undefined): void {
  if (!u) return;
  bag
    .set(GEN_AI.USAGE_INPUT_TOKENS, promptTokens(u))
    .set(GEN_AI.USAGE_OUTPUT_TOKENS, u.output)
    .set(GEN_AI.USAGE_CACHE_READ_INPUT_TOKENS, u.cacheRead)
    .set(GEN_AI.USAGE_CACHE_CREATION_INPUT_TOKENS, u.cacheWrite);
}

/** The provider under its current key and, in `compat`, under the deprecated one too. */
function provider(bag: AttributeBag, semconv: GenAiSemconv, value: string | undefined): AttributeBag {
  bag.set(GEN_AI.PROVIDER_NAME, value);
  if (semconv === 'compat') bag.set(GEN_AI.SYSTEM, value);
  return bag;
}

function agent(bag: AttributeBag, session: Session): void {
  let root = session;
  while (root.parentSession) root = root.parentSession;
  bag
    .set(GEN_AI.AGENT_NAME, agentName(session))
    .set(GEN_AI.AGENT_ID, session.agentId)
    .set(GEN_AI.CONVERSATION_ID, conversationId(session))
    .set(SESSION_ID, conversationId(root));
}

/** Tool arguments as the attribute wants them: JSON text, or the capture marker untouched. */
function argumentsText(args: unknown): string | undefined {
  if (args === undefined) return undefined;
  if (typeof args === 'string') return args;
  return toJson(args);
}

function sessionAttributes(bag: AttributeBag, semconv: GenAiSemconv, session: Session): void {
  bag.set(GEN_AI.OPERATION_NAME, GEN_AI_OPERATION.INVOKE_AGENT);
  agent(bag, session);
  provider(bag, semconv, session.provider).set(GEN_AI.REQUEST_MODEL, session.model);
}

function runAttributes(bag: AttributeBag, semconv: GenAiSemconv, session: Session, run: Run): void {
  bag.set(GEN_AI.OPERATION_NAME, GEN_AI_OPERATION.INVOKE_AGENT);
  agent(bag, session);
  provider(bag, semconv, run.provider ?? session.provider).set(GEN_AI.REQUEST_MODEL, run.model ?? session.model);
  usage(bag, runUsage(run));
  // The turn as the agent saw it: the user prompt in, the final answer out (each only when captured).
  if (run.prompt !== undefined) {
    const input: GenAiMessage[] = [{ role: 'user', parts: [{ type: 'text', content: run.prompt }] }];
    bag.json(GEN_AI.INPUT_MESSAGES, input);
  }
  if (run.systemPrompt !== undefined && run.systemPrompt !== '') {
    bag.set(GEN_AI.SYSTEM_INSTRUCTIONS, systemJson([{ type: 'text', content: run.systemPrompt }]));
  }
  const last = finalCall(run);
  if (last) bag.json(GEN_AI.OUTPUT_MESSAGES, outputMessages(last));
}

function llmAttributes(bag: AttributeBag, semconv: GenAiSemconv, session: Session, run: Run, call: LlmCall): void {
  bag.set(GEN_AI.OPERATION_NAME, GEN_AI_OPERATION.CHAT);
  agent(bag, session);
  provider(bag, semconv, call.provider ?? run.provider ?? session.provider)
    .set(GEN_AI.REQUEST_MODEL, call.model ?? run.model)
    // OpenClaw reports one model per call: the one the assistant message names.
    .set(GEN_AI.RESPONSE_MODEL, call.model)
    .set(GEN_AI.RESPONSE_ID, call.responseId);
  const reason = finishReason(call.stopReason);
  if (reason !== undefined) bag.list(GEN_AI.RESPONSE_FINISH_REASONS, [reason]);
  usage(bag, call.usage);
  bag.set(GEN_AI.SYSTEM_INSTRUCTIONS, systemJson(systemInstructions(call.input)));
  const input = inputMessages(call.input);
  if (input.length > 0) bag.json(GEN_AI.INPUT_MESSAGES, input);
  bag.json(GEN_AI.OUTPUT_MESSAGES, outputMessages(call));
  // Only the required fields: the full schemas are large and repeat on every call.
  if (session.tools.length > 0) bag.set(GEN_AI.TOOL_DEFINITIONS, toolDefinitionsJson(session.tools));
}

// A run's calls send the same system prompt: its JSON (~80 kB for a 40 kB prompt) is made once
// per text, not once per span. A run's spans are built one after another, so the last one
// made is all that is kept (kept per living run instead, 2,000x3 held 420 MB of them).
let lastSystem: { text: string; json: string } | undefined;

function systemJson(parts: GenAiPart[] | undefined): string | undefined {
  if (parts === undefined) return undefined;
  const only = parts[0]!;
  if (parts.length !== 1 || only.type !== 'text') return toJson(parts);
  if (lastSystem?.text === only.content) return lastSystem.json;
  lastSystem = { text: only.content, json: toJson(parts) };
  return lastSystem.json;
}

// The same list on every LLM span of a session: serialized once per list (one array per session).
const definitionsCache = new WeakMap<object, string>();

function toolDefinitionsJson(tools: Session['tools']): string {
  let json = definitionsCache.get(tools);
  if (json === undefined) {
    json = toJson(tools.map((t) => (t.description ? { type: GEN_AI_TOOL_TYPE_FUNCTION, name: t.name, description: t.description } : { type: GEN_AI_TOOL_TYPE_FUNCTION, name: t.name })));
    definitionsCache.set(tools, json);
  }
  return json;
}

function toolAttributes(bag: AttributeBag, session: Session, tool: ToolSpan): void {
  bag.set(GEN_AI.OPERATION_NAME, GEN_AI_OPERATION.EXECUTE_TOOL);
  agent(bag, session);
  bag
    .set(GEN_AI.TOOL_NAME, tool.name)
    .set(GEN_AI.TOOL_CALL_ID, tool.toolCallId)
    .set(GEN_AI.TOOL_TYPE, GEN_AI_TOOL_TYPE_FUNCTION)
    .set(GEN_AI.TOOL_DESCRIPTION, toolDefinition(session, tool.name)?.description)
    .set(GEN_AI.TOOL_CALL_ARGUMENTS, argumentsText(tool.arguments));
  // The convention records a result only for a successful call; a failure is the span status.
  const failed = tool.status === 'error' || tool.error !== undefined;
  if (!failed) bag.set(GEN_AI.TOOL_CALL_RESULT, tool.result);
}

export function genAiSpanName(subject: SpanSubject): string {
  switch (subject.kind) {
    case 'session':
    case 'run':
      return `${GEN_AI_OPERATION.INVOKE_AGENT} ${agentName(subject.session)}`;
    case 'llm': {
      const model = subject.call.model ?? subject.run.model;
      return model ? `${GEN_AI_OPERATION.CHAT} ${model}` : GEN_AI_OPERATION.CHAT;
    }
    case 'tool':
      return `${GEN_AI_OPERATION.EXECUTE_TOOL} ${subject.tool.name}`;
    case 'mark':
      return `mark ${subject.mark.name}`;
  }
}

export function genAiAttributes(span: PlannedSpan, semconv: GenAiSemconv = 'compat'): Attributes {
  const bag = new AttributeBag();
  const { subject } = span;
  switch (subject.kind) {
    case 'session':
      sessionAttributes(bag, semconv, subject.session);
      break;
    case 'run':
      runAttributes(bag, semconv, subject.session, subject.run);
      break;
    case 'llm':
      llmAttributes(bag, semconv, subject.session, subject.run, subject.call);
      break;
    case 'tool':
      toolAttributes(bag, subject.session, subject.tool);
      break;
    case 'mark':
      // No gen_ai.operation.name: a mark is no operation of the convention, and calling it
      // execute_tool would count it as a tool call in every gen_ai dashboard. The agent keys
      // keep it findable by conversation.
      agent(bag, subject.session);
      break;
  }
  return bag.values;
}

/** The gen_ai projection in one convention shape (span names are the same in both). */
export function genAiProjectionFor(semconv: GenAiSemconv): SpanProjection {
  return {
    name: 'gen_ai',
    spanName: genAiSpanName,
    attributes: (span) => genAiAttributes(span, semconv),
    schemaUrl: SEMCONV_SCHEMA_URL,
  };
}

/** The default shape (`compat`), what an output gets when OTEL_SEMCONV_STABILITY_OPT_IN is unset. */
export const genAiProjection: SpanProjection = genAiProjectionFor('compat');
