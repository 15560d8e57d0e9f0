// A scripted OpenAI-compatible chat-completions server for end-to-end tests.
// OpenClaw talks to it like to any `openai-completions` provider; a script decides every
// reply from the request, and every request is kept so tests can assert on what was sent.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatMessage {
  role: string;
  content?: unknown;
  tool_calls?: Array<{ id: string; type?: string; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
  [key: string]: unknown;
}

export interface RecordedRequest {
  /** 1-based over all requests this server received. */
  seq: number;
  /** 1-based over chat-completion requests only; drives the default usage numbers. */
  callIndex?: number;
  receivedAt: number;
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  /** What the script answered (chat completions only). */
  reply?: ScriptedReply;
}

export interface UsageSpec {
  prompt: number;
  completion: number;
  /** Reported as prompt_tokens_details.cached_tokens; a subset of `prompt`. */
  cached?: number;
}

export interface ScriptedToolCall {
  name: string;
  /** An object is JSON-encoded; a string is sent as is (lets tests send broken JSON). */
  arguments: Record<string, unknown> | string;
  id?: string;
}

interface ReplyCommon {
  usage?: UsageSpec;
  /** Wait this long before the first byte, to make latencies measurable. */
  delayMs?: number;
}

export type ScriptedReply =
  | (ReplyCommon & { kind: 'text'; text: string })
  | (ReplyCommon & { kind: 'tool_calls'; calls: ScriptedToolCall[]; text?: string })
  | { kind: 'error'; status: number; message: string; delayMs?: number };

export interface ScriptContext {
  callIndex: number;
  body: ChatCompletionBody;
  messages: ChatMessage[];
  /** Text of the newest user message that is not OpenClaw's injected runtime context. */
  lastUserText: string;
  /** Tool results after the newest assistant message, when the conversation ends with them. */
  toolResults: Array<{ toolCallId: string; text: string }>;
  afterToolResult: boolean;
  request: RecordedRequest;
}

/** Return undefined to fall through to the next script (see `withRules`). */
export type Script = (ctx: ScriptContext) => ScriptedReply | undefined;

export interface ChatCompletionBody {
  model?: string;
  messages?: ChatMessage[];
  stream?: boolean;
  tools?: unknown[];
  [key: string]: unknown;
}

export interface ScriptedLlmOptions {
  script?: Script;
  /** Called for each chat request before it is answered (e.g. a server-side tracer). */
  onChatRequest?: (record: RecordedRequest) => void;
  models?: string[];
  host?: string;
}

export interface ScriptedLlm {
  /** e.g. http://127.0.0.1:40123/v1 — what a provider's `baseUrl` wants. */
  baseUrl: string;
  port: number;
  requests: RecordedRequest[];
  chatRequests(): RecordedRequest[];
  setScript(script: Script): void;
  reset(): void;
  close(): Promise<void>;
}

// OpenClaw appends this block as a user message after the real prompt and after tool
// results; it is runtime context, not something a user said.
const INTERNAL_CONTEXT_MARK = '<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>';

/** Distinct per call so a test can tell which provider call a number came from. */
export function defaultUsage(callIndex: number): UsageSpec {
  return { prompt: 100 * callIndex + 20, completion: 10 * callIndex + 3, cached: 10 * callIndex };
}

export const SUBAGENT_TASK = 'child task: reply with one short sentence';

/** Arguments the default script sends for `call:<tool>`; valid for each tool's schema. */
export function defaultToolCalls(tool: string): ScriptedToolCall[] {
  switch (tool) {
    case 'probe_echo':
      return [{ name: 'probe_echo', arguments: { text: 'hello' } }];
    case 'two_tools':
      return [
        { name: 'probe_echo', arguments: { text: 'first' } },
        { name: 'probe_echo', arguments: { text: 'second' } },
      ];
    case 'fail_tool':
      return [{ name: 'fail_tool', arguments: { reason: 'scripted failure' } }];
    case 'sessions_spawn':
      // `task` is the only required field of OpenClaw 2026.9.6's sessions_spawn schema.
      return [{ name: 'sessions_spawn', arguments: { task: SUBAGENT_TASK } }];
    default:
      return [{ name: tool, arguments: {} }];
  }
}

const CALL_PATTERN = /\bcall:([A-Za-z_][A-Za-z0-9_]*)/;

/**
 * `call:<tool>` in the newest user text asks for that tool; a trailing tool result is
 * answered with text quoting it; anything else gets a plain text answer.
 */
export const defaultScript = (ctx: ScriptContext): ScriptedReply => {
  if (ctx.afterToolResult) {
    const quoted = ctx.toolResults.map((r) => r.text).join(' | ');
    return { kind: 'text', text: `Tool output: ${quoted}` };
  }
  const match = CALL_PATTERN.exec(ctx.lastUserText);
  if (match?.[1]) return { kind: 'tool_calls', calls: defaultToolCalls(match[1]) };
  return { kind: 'text', text: `Scripted answer ${ctx.callIndex}.` };
};

export interface Rule {
  when: (ctx: ScriptContext) => boolean;
  reply: ScriptedReply | ((ctx: ScriptContext) => ScriptedReply);
}

/** First matching rule wins; otherwise `fallback` (the default script unless given). */
export function withRules(rules: Rule[], fallback: Script = defaultScript): Script {
  return (ctx) => {
    for (const rule of rules) {
      if (rule.when(ctx)) return typeof rule.reply === 'function' ? rule.reply(ctx) : rule.reply;
    }
    return fallback(ctx);
  };
}

export function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) =>
        part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string'
          ? (part as { text: string }).text
          : '',
      )
      .join('');
  }
  return '';
}

function isInternalContext(message: ChatMessage): boolean {
  return message.role === 'user' && messageText(message.content).trimStart().startsWith(INTERNAL_CONTEXT_MARK);
}

export function buildScriptContext(body: ChatCompletionBody, callIndex: number, request: RecordedRequest): ScriptContext {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const conversation = messages.filter((m) => !isInternalContext(m));
  const lastUser = [...conversation].reverse().find((m) => m.role === 'user');
  const toolResults: ScriptContext['toolResults'] = [];
  for (let i = conversation.length - 1; i >= 0 && conversation[i]?.role === 'tool'; i--) {
    const m = conversation[i] as ChatMessage;
    toolResults.unshift({ toolCallId: String(m.tool_call_id ?? ''), text: messageText(m.content) });
  }
  return {
    callIndex,
    body,
    messages,
    lastUserText: lastUser ? messageText(lastUser.content) : '',
    toolResults,
    afterToolResult: toolResults.length > 0,
    request,
  };
}

function usageJson(usage: UsageSpec) {
  return {
    prompt_tokens: usage.prompt,
    completion_tokens: usage.completion,
    total_tokens: usage.prompt + usage.completion,
    prompt_tokens_details: { cached_tokens: usage.cached ?? 0 },
  };
}

function toolCallsJson(calls: ScriptedToolCall[], callIndex: number) {
  return calls.map((call, i) => ({
    id: call.id ?? `call_${callIndex}_${i + 1}`,
    type: 'function' as const,
    function: {
      name: call.name,
      arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
    },
  }));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function answerComplete(res: ServerResponse, reply: Exclude<ScriptedReply, { kind: 'error' }>, model: string, callIndex: number, usage: UsageSpec): void {
  const message =
    reply.kind === 'text'
      ? { role: 'assistant', content: reply.text }
      : { role: 'assistant', content: reply.text ?? null, tool_calls: toolCallsJson(reply.calls, callIndex) };
  sendJson(res, 200, {
    id: `chatcmpl-scripted-${callIndex}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, finish_reason: reply.kind === 'text' ? 'stop' : 'tool_calls' }],
    usage: usageJson(usage),
  });
}

function answerStream(res: ServerResponse, reply: Exclude<ScriptedReply, { kind: 'error' }>, model: string, callIndex: number, usage: UsageSpec): void {
  const base = { id: `chatcmpl-scripted-${callIndex}`, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model };
  const send = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    res.write(`data: ${JSON.stringify({ ...base, choices, ...extra })}\n\n`);
  const delta = (d: Record<string, unknown>, finish: string | null = null) => [{ index: 0, delta: d, finish_reason: finish }];

  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  send(delta({ role: 'assistant', content: '' }));
  const text = reply.text;
  if (text) {
    // Two pieces, so a client really has to assemble a streamed text.
    const cut = Math.ceil(text.length / 2);
    send(delta({ content: text.slice(0, cut) }));
    if (cut < text.length) send(delta({ content: text.slice(cut) }));
  }
  if (reply.kind === 'tool_calls') {
    toolCallsJson(reply.calls, callIndex).forEach((call, index) => {
      send(delta({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }));
      send(delta({ tool_calls: [{ index, function: { arguments: call.function.arguments } }] }));
    });
  }
  send(delta({}, reply.kind === 'text' ? 'stop' : 'tool_calls'));
  send([], { usage: usageJson(usage) });
  res.end('data: [DONE]\n\n');
}

export async function startScriptedLlm(options: ScriptedLlmOptions = {}): Promise<ScriptedLlm> {
  const models = options.models ?? ['scripted-1'];
  let script: Script = options.script ?? defaultScript;
  const requests: RecordedRequest[] = [];
  let seq = 0;
  let callIndex = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    let body: unknown = raw;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        // keep the raw text: a malformed request is itself worth seeing in a failing test
      }
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const record: RecordedRequest = {
      seq: ++seq,
      receivedAt: Date.now(),
      method: req.method ?? 'GET',
      path,
      headers: { ...req.headers },
      body: raw ? body : undefined,
    };
    requests.push(record);

    if (req.method === 'GET' && path === '/v1/models') {
      sendJson(res, 200, {
        object: 'list',
        data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'scripted' })),
      });
      return;
    }
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      sendJson(res, 404, { error: { message: `no route ${req.method} ${path}`, type: 'not_found' } });
      return;
    }
    if (!body || typeof body !== 'object') {
      sendJson(res, 400, { error: { message: 'body must be a JSON object', type: 'invalid_request_error' } });
      return;
    }
    const chat = body as ChatCompletionBody;
    record.callIndex = ++callIndex;
    options.onChatRequest?.(record);
    const ctx = buildScriptContext(chat, record.callIndex, record);
    const reply = script(ctx) ?? defaultScript(ctx);
    record.reply = reply;
    if (reply.delayMs) await sleep(reply.delayMs);
    if (reply.kind === 'error') {
      sendJson(res, reply.status, { error: { message: reply.message, type: 'scripted_error' } });
      return;
    }
    const usage = reply.usage ?? defaultUsage(record.callIndex);
    const model = typeof chat.model === 'string' ? chat.model : (models[0] ?? 'scripted-1');
    if (chat.stream === true) answerStream(res, reply, model, record.callIndex, usage);
    else answerComplete(res, reply, model, record.callIndex, usage);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(error), type: 'scripted_llm_crash' } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    chatRequests: () => requests.filter((r) => r.path === '/v1/chat/completions'),
    setScript(next) {
      script = next;
    },
    // Forgets recorded requests only: call numbering keeps counting so tool-call ids stay
    // unique within a gateway session that outlives the reset.
    reset() {
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
