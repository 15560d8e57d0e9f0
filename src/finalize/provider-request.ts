// The request body a provider received, rebuilt from the hooks' view with OpenClaw 2026.9.6's
// send-side steps for `openai-completions`, and the proof that the rebuild is the real body:
// its UTF-8 byte length against model_call_ended.requestPayloadBytes, which OpenClaw measures
// on the body it actually sent.
//
// The steps (OpenClaw's transport, verified on recorded requests):
//   (a) the `<!-- OPENCLAW_CACHE_BOUNDARY -->` line leaves the system prompt;
//   (b) the relocatable `Runtime: …` block moves from the system prompt to the end of the
//       first user message;
//   (c) the runtime-context carrier (`<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>`, a `custom`
//       message) goes last, after tool results, as a user message of text parts;
//   (d) tool-call ids are sanitized ("strict": only A-Z a-z 0-9 kept); tools sorted by name.
// Runs on the lane (finalize), never on a hook handler.

import type { MessageIn } from '../ingest/events.ts';
import { isObj } from '../ingest/read.ts';
import { splitContent } from '../correlate/messages.ts';
import type { ToolDefinition } from '../trace/model.ts';
import { JsonSizeMemo, jsonBytes, sizedOnce } from './json-size.ts';

const CACHE_BOUNDARY = '<!-- OPENCLAW_CACHE_BOUNDARY -->\n';
const RELOCATABLE = /\n\n<!-- OPENCLAW-RELOCATABLE-BOUNDARY -->\n\n([\s\S]*?)\n<!-- \/OPENCLAW-RELOCATABLE-BOUNDARY -->/;

export interface OpenAiMessage {
  role: string;
  content: unknown;
  tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

export interface RebuildInput {
  model: string | undefined;
  systemPrompt: string | undefined;
  history: readonly unknown[];
  prompt: string | undefined;
  /** The run's transcript written before this call (assistant answers, tool results). */
  transcript: readonly MessageIn[];
  tools: readonly ToolDefinition[];
}

export interface RebuiltRequest {
  body: Record<string, unknown>;
  /** Why the rebuild cannot be the real body, when it knows (a sanitized-id collision). */
  unprovable?: string;
}

/**
 * What the calls of one run share while their bodies are rebuilt and proven: the system
 * prompt's rewrite and the sizes of long strings (a run's calls repeat the same 40 kB prompt).
 */
export class RebuildMemo {
  readonly sizes = new JsonSizeMemo();
  system: { raw: string; content: string; runtimeBlock: string | undefined } | undefined;
}

/** The request's `tools` for a session's tool list: built, sized and frozen once per list (lists are replaced, never changed). */
const requestTools = new WeakMap<readonly ToolDefinition[], readonly object[]>();

function toolsFor(list: readonly ToolDefinition[]): readonly object[] {
  let tools = requestTools.get(list);
  if (tools === undefined) {
    tools = sizedOnce(
      [...list]
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
        .map((t) => ({ type: 'function', function: { name: t.name, description: t.description ?? '', parameters: t.parameters ?? {} } })),
    );
    requestTools.set(list, tools);
  }
  return tools;
}

function systemFor(raw: string, memo: RebuildMemo): { content: string; runtimeBlock: string | undefined } {
  if (memo.system?.raw === raw) return memo.system;
  memo.system = { raw, ...rewriteSystem(raw) };
  return memo.system;
}

/**
 * Steps (a) and (b) on the system prompt. Usually the boundary line and the block lie apart:
 * both are then cut from the raw prompt in one join, and no copy at all when the result
 * equals a recent rewrite. The plain sequence (remove the line, then find the block) made a
 * cons string and two copies.
 */
export function rewriteSystem(raw: string): { content: string; runtimeBlock: string | undefined } {
  const b = raw.indexOf(CACHE_BOUNDARY);
  const m = RELOCATABLE.exec(raw);
  // The block found in the raw prompt is the one OpenClaw's order finds when the line is after
  // it, or before it without the line's removal joining a block's opening marker (the leftmost
  // match cannot move otherwise: any other opening lies wholly on one side of the line).
  const apart = m !== null && (b < 0 || b > m.index + m[0].length + 2 || (b + CACHE_BOUNDARY.length <= m.index && !opensAcross(raw, b)));
  if (m && apart) {
    const cuts: [number, number][] = [[m.index, m.index + m[0].length]];
    if (b >= 0) cuts.splice(b < m.index ? 0 : 1, 0, [b, b + CACHE_BOUNDARY.length]);
    return { content: sharedCut(raw, cuts), runtimeBlock: m[1] };
  }
  if (!m && b < 0) return { content: raw, runtimeBlock: undefined };
  // The line touches or sits inside the block (or only its removal reveals one): in order.
  let content = b < 0 ? raw : raw.replace(CACHE_BOUNDARY, '');
  const late = RELOCATABLE.exec(content);
  if (!late) return { content, runtimeBlock: undefined };
  content = [content.slice(0, late.index), content.slice(late.index + late[0].length)].join('');
  return { content, runtimeBlock: late[1] };
}

/**
 * Prompts recently rewritten, the latest first. OpenClaw moves the runtime block out so that
 * what stays is the same for every run of an agent (its prompt cache prefix): a rewrite equal
 * to one of these is that string, compared in place, not a fresh 40 kB copy per run (those
 * copies were 489 MB of the finalize stage's 764 MB of allocation at 2,000x3).
 */
const recentRewrites: string[] = [];
const RECENT_REWRITES = 4;

/** `raw` without the `cuts` (ascending, apart): a recent equal rewrite, or a new one. */
function sharedCut(raw: string, cuts: readonly [number, number][]): string {
  let length = raw.length;
  for (const [from, to] of cuts) length -= to - from;
  for (let i = 0; i < recentRewrites.length; i++) {
    const known = recentRewrites[i]!;
    if (known.length !== length || !equalsCut(known, raw, cuts)) continue;
    if (i > 0) recentRewrites.splice(i, 1), recentRewrites.unshift(known);
    return known;
  }
  const parts: string[] = [];
  let at = 0;
  for (const [from, to] of cuts) {
    parts.push(raw.slice(at, from));
    at = to;
  }
  parts.push(raw.slice(at));
  const content = parts.join('');
  recentRewrites.unshift(content);
  if (recentRewrites.length > RECENT_REWRITES) recentRewrites.pop();
  return content;
}

/** Whether `content` is `raw` without the `cuts`, compared piece by piece (slices copy nothing). */
function equalsCut(content: string, raw: string, cuts: readonly [number, number][]): boolean {
  let at = 0;
  let pos = 0;
  for (const [from, to] of cuts) {
    if (!content.startsWith(raw.slice(at, from), pos)) return false;
    pos += from - at;
    at = to;
  }
  return content.startsWith(raw.slice(at), pos);
}

const BLOCK_OPENING = '\n\n<!-- OPENCLAW-RELOCATABLE-BOUNDARY -->\n\n';

/** Whether removing the line at `b` puts a block's opening marker across the join. */
function opensAcross(raw: string, b: number): boolean {
  const n = BLOCK_OPENING.length;
  const join = raw.slice(Math.max(0, b - n), b) + raw.slice(b + CACHE_BOUNDARY.length, b + CACHE_BOUNDARY.length + n);
  return join.includes(BLOCK_OPENING);
}

export function rebuildOpenAiCompletions(input: RebuildInput, memo: RebuildMemo = new RebuildMemo()): RebuiltRequest {
  const ids = new Map<string, string>();
  let collision: string | undefined;
  const sanitize = (id: string): string => {
    const clean = id.replace(/[^A-Za-z0-9]/g, '');
    const owner = ids.get(clean);
    if (owner !== undefined && owner !== id) collision = `sanitized tool-call ids collide (${owner}, ${id}): OpenClaw adds a hash suffix we do not rebuild`;
    ids.set(clean, id);
    return clean;
  };

  const messages: OpenAiMessage[] = [];
  let runtimeBlock: string | undefined;
  if (input.systemPrompt !== undefined) {
    const system = systemFor(input.systemPrompt, memo);
    runtimeBlock = system.runtimeBlock;
    messages.push({ role: 'system', content: system.content });
  }
  const carriers: OpenAiMessage[] = [];
  const add = (m: MessageIn) => {
    if (m.role === 'custom') {
      carriers.push({ role: 'user', content: [{ type: 'text', text: splitContent(m.content).text }] });
      return;
    }
    const msg = toOpenAi(m, sanitize);
    if (msg) messages.push(msg);
  };
  for (const h of input.history) {
    if (isObj(h) && typeof h.role === 'string') add(h as unknown as MessageIn);
  }
  if (input.prompt !== undefined) messages.push({ role: 'user', content: input.prompt });
  for (const m of input.transcript) add(m);
  if (runtimeBlock !== undefined) {
    const first = messages.find((m) => m.role === 'user' && typeof m.content === 'string');
    if (first) first.content = `${first.content as string}\n\n${runtimeBlock}`;
  }
  messages.push(...carriers);

  const body: Record<string, unknown> = { model: input.model, messages, stream: true, stream_options: { include_usage: true } };
  if (input.tools.length > 0) body.tools = toolsFor(input.tools);
  return collision ? { body, unprovable: collision } : { body };
}

function toOpenAi(m: MessageIn, sanitize: (id: string) => string): OpenAiMessage | undefined {
  const parts = splitContent(m.content);
  switch (m.role) {
    case 'assistant': {
      const out: OpenAiMessage = { role: 'assistant', content: parts.text.length > 0 ? parts.text : null };
      if (parts.toolCalls.length > 0) {
        out.tool_calls = parts.toolCalls.map((tc) => ({
          id: sanitize(tc.id),
          type: 'function',
          function: { name: tc.name, arguments: typeof tc.arguments === 'string' ? tc.arguments : JSON.stringify(tc.arguments ?? {}) },
        }));
      }
      return out;
    }
    case 'toolResult':
    case 'tool':
      return { role: 'tool', content: parts.text, ...(m.toolCallId ? { tool_call_id: sanitize(m.toolCallId) } : {}) };
    case 'user':
      return { role: 'user', content: typeof m.content === 'string' ? m.content : parts.text };
    case 'system':
      return { role: 'system', content: parts.text };
    default:
      return undefined;
  }
}

export interface Proof {
  exact: boolean;
  /** Envelope fields no hook shows, whose presence (and digit count) the byte length settled. */
  inferred: string[];
  rebuiltBytes: number;
  /** What could not be proven, for the mark. */
  reason?: string;
}

/**
 * Proves a rebuilt body against OpenClaw's measured length. Two envelope fields come from
 * the model config, which no hook carries: `tool_choice: "auto"` (added for proxy-like
 * endpoints) and `max_completion_tokens` (an integer). A rebuild whose length matches with
 * some of them present is proven for everything else: messages and tools, byte for byte in
 * length. Any other difference is not explained away.
 */
export function proveLength(body: Record<string, unknown>, measured: number | undefined, memo: RebuildMemo = new RebuildMemo()): Proof {
  const rebuiltBytes = jsonBytes(body, memo.sizes);
  if (measured === undefined) return { exact: false, inferred: [], rebuiltBytes, reason: 'model_call_ended.requestPayloadBytes was not reported' };
  const toolChoice = body.tools !== undefined ? Buffer.byteLength(',"tool_choice":"auto"') : undefined;
  const maxTokensBase = Buffer.byteLength(',"max_completion_tokens":');
  for (const withChoice of toolChoice !== undefined ? [false, true] : [false]) {
    const base = rebuiltBytes + (withChoice ? toolChoice! : 0);
    const inferred = withChoice ? ['tool_choice'] : [];
    if (base === measured) return { exact: true, inferred, rebuiltBytes };
    const digits = measured - base - maxTokensBase;
    if (digits >= 1 && digits <= 9) return { exact: true, inferred: [...inferred, `max_completion_tokens (${digits} digits)`], rebuiltBytes };
  }
  return {
    exact: false,
    inferred: [],
    rebuiltBytes,
    reason: `the rebuilt body is ${rebuiltBytes} bytes and OpenClaw sent ${measured}; the difference is not an unobserved envelope field`,
  };
}
