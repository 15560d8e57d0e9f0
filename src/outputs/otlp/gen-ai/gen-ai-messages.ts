// The model's chat messages in the gen_ai message JSON shapes (input messages, output
// messages, system instructions: role + typed parts).
//
// Capture policy: the model has already removed content it may not export. Removed text is
// `undefined` and simply has no part here; removed tool arguments/results are the
// CAPTURE_STRIPPED marker and stay that marker. Nothing is filled back in from elsewhere.

import type { ChatMessage, LlmCall, ToolCallRequest } from '../../../trace/model.ts';

export type GenAiPart =
  | { type: 'text'; content: string }
  | { type: 'reasoning'; content: string }
  | { type: 'tool_call'; id: string; name: string; arguments?: unknown }
  | { type: 'tool_call_response'; id: string; result?: unknown };

export interface GenAiMessage {
  role: 'user' | 'assistant' | 'tool' | 'system';
  parts: GenAiPart[];
  name?: string;
}

export interface GenAiOutputMessage extends GenAiMessage {
  finish_reason: string;
}

function toolCallPart(call: ToolCallRequest): GenAiPart {
  const part: GenAiPart = { type: 'tool_call', id: call.id, name: call.name };
  if (call.arguments !== undefined) part.arguments = call.arguments;
  return part;
}

function parts(message: ChatMessage): GenAiPart[] {
  if (message.role === 'tool') {
    const part: GenAiPart = { type: 'tool_call_response', id: message.toolCallId ?? '' };
    if (message.content !== undefined) part.result = message.content;
    return [part];
  }
  const out: GenAiPart[] = [];
  if (message.content !== undefined && message.content !== '') out.push({ type: 'text', content: message.content });
  for (const call of message.toolCalls ?? []) out.push(toolCallPart(call));
  return out;
}

function toMessage(message: ChatMessage): GenAiMessage {
  const out: GenAiMessage = { role: message.role, parts: parts(message) };
  if (message.role === 'tool' && message.toolName !== undefined) out.name = message.toolName;
  return out;
}

/**
 * System messages as gen_ai.system_instructions (OpenClaw sends its system prompt apart from
 * the history); undefined when there is no captured system text.
 */
export function systemInstructions(input: readonly ChatMessage[]): GenAiPart[] | undefined {
  const out: GenAiPart[] = [];
  for (const m of input) {
    if (m.role === 'system' && m.content !== undefined && m.content !== '') out.push({ type: 'text', content: m.content });
  }
  return out.length > 0 ? out : undefined;
}

/** The conversation without its system messages, in the order sent to the model. */
export function inputMessages(input: readonly ChatMessage[]): GenAiMessage[] {
  return input.filter((m) => m.role !== 'system').map(toMessage);
}

/** gen_ai finish reasons are lower-case words; OpenClaw's stopReason uses camelCase ("toolUse"). */
export function finishReason(stopReason: string | undefined): string | undefined {
  if (stopReason === undefined || stopReason === '') return undefined;
  switch (stopReason) {
    case 'toolUse':
    case 'tool_use':
    case 'tool_calls':
      return 'tool_call';
    case 'end_turn':
      return 'stop';
    case 'max_tokens':
      return 'length';
    default:
      return stopReason;
  }
}

export function outputMessages(call: LlmCall): GenAiOutputMessage[] | undefined {
  const output = call.output;
  if (!output) return undefined;
  const out: GenAiPart[] = [];
  if (call.reasoning !== undefined && call.reasoning !== '') out.push({ type: 'reasoning', content: call.reasoning });
  out.push(...parts(output));
  // finish_reason is required by the schema; without a stopReason, derive it from what the
  // message shows rather than leave the message invalid.
  const derived = call.error !== undefined ? 'error' : output.toolCalls?.length ? 'tool_call' : 'stop';
  return [{ role: 'assistant', parts: out, finish_reason: finishReason(call.stopReason) ?? derived }];
}
