// OpenClaw transcript messages -> the trace's ChatMessage shape (raw, before the capture
// policy). OpenClaw content is a string or parts: text, toolCall, thinking, image.

import type { MessageIn } from '../ingest/events.ts';
import { isObj } from '../ingest/read.ts';
import type { ChatMessage, ToolCallRequest } from '../trace/model.ts';

export interface AssistantContent {
  text: string;
  reasoning?: string;
  toolCalls: ToolCallRequest[];
}

/** Text, reasoning and tool calls of assistant content (any message content, really). */
export function splitContent(content: unknown): AssistantContent {
  if (typeof content === 'string') return { text: content, toolCalls: [] };
  const out: AssistantContent = { text: '', toolCalls: [] };
  if (!Array.isArray(content)) return out;
  const texts: string[] = [];
  const thoughts: string[] = [];
  for (const part of content) {
    if (typeof part === 'string') {
      texts.push(part);
      continue;
    }
    if (!isObj(part)) continue;
    switch (part.type) {
      case 'text':
        if (typeof part.text === 'string') texts.push(part.text);
        break;
      case 'thinking':
      case 'reasoning':
        if (typeof part.thinking === 'string') thoughts.push(part.thinking);
        else if (typeof part.text === 'string') thoughts.push(part.text);
        break;
      case 'toolCall':
      case 'tool_use':
      case 'toolUse': {
        const id = typeof part.id === 'string' ? part.id : undefined;
        const name = typeof part.name === 'string' ? part.name : undefined;
        if (id && name) out.toolCalls.push({ id, name, arguments: parseArgs(part.arguments ?? part.input) });
        break;
      }
      case 'image':
        texts.push('[image]');
        break;
    }
  }
  out.text = texts.join('');
  if (thoughts.length) out.reasoning = thoughts.join('\n');
  return out;
}

/** Tool arguments arrive as an object, or as a JSON string from some providers. */
function parseArgs(v: unknown): unknown {
  if (typeof v !== 'string') return v ?? {};
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}

/** One transcript message as the model saw it. Unknown roles (OpenClaw's `custom` context) reach the model as user text. */
export function toChatMessage(m: MessageIn): ChatMessage {
  const parts = splitContent(m.content);
  switch (m.role) {
    case 'assistant':
      return { role: 'assistant', content: parts.text, ...(parts.toolCalls.length ? { toolCalls: parts.toolCalls } : {}) };
    case 'toolResult':
    case 'tool':
      return {
        role: 'tool',
        content: parts.text,
        ...(m.toolCallId ? { toolCallId: m.toolCallId } : {}),
        ...(m.toolName ? { toolName: m.toolName } : {}),
        ...(m.isError ? { isError: true } : {}),
      };
    case 'system':
      return { role: 'system', content: parts.text };
    default:
      return { role: 'user', content: parts.text };
  }
}

/** A history entry from llm_input (untyped): only objects with a string role count. */
export function historyToChat(entry: unknown): ChatMessage | undefined {
  if (!isObj(entry) || typeof entry.role !== 'string') return undefined;
  return toChatMessage({
    role: entry.role,
    content: entry.content,
    toolCallId: typeof entry.toolCallId === 'string' ? entry.toolCallId : undefined,
    toolName: typeof entry.toolName === 'string' ? entry.toolName : undefined,
    isError: entry.isError === true,
  });
}

/** Tool output text: OpenClaw results are `{content:[{type:'text',text}], details}` or plain values. */
export function resultText(result: unknown): string | undefined {
  if (result === undefined || result === null) return undefined;
  if (typeof result === 'string') return result;
  if (isObj(result) && Array.isArray(result.content)) return splitContent(result.content).text;
  try {
    return JSON.stringify(result);
  } catch {
    // BigInt or a cycle inside; and String() itself throws for a null-prototype object.
    try {
      return String(result);
    } catch {
      return '[unserializable tool result]';
    }
  }
}
