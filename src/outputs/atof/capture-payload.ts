// The capture policy and secret scrubbing applied to a raw hook payload before it enters
// the journal. Content fields are treated by kind, as the engine treats them (prompts,
// responses, tool arguments, tool results); the payload keeps its shape, so a replay parses
// it as it parsed the live event. Every other string is scrubbed for secrets, a value under
// a secret-looking key is masked whole, and what JSON cannot hold is made JSON.

import type { CapturePolicy, ContentKind } from '../../trace/capture.ts';
import { CAPTURE_STRIPPED } from '../../trace/model.ts';

type Obj = Record<string, unknown>;

const SECRET_KEY = /^(password|passwd|secret|api[_-]?key|apikey|authorization|token|access[_-]?token|auth[_-]?token|client[_-]?secret|secret[_-]?access[_-]?key)$/i;
const MAX_DEPTH = 32;
const MAX_ITEMS = 1000;

/** The JSON-safe, scrubbed copy of a value (no policy decisions: those are per field, below). */
export function scrub(policy: CapturePolicy, value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return policy.clean(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (value === null || typeof value === 'boolean') return value;
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return { name: value.name, message: policy.clean(value.message) };
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value !== 'object') return undefined;
  if (seen.has(value) || depth > MAX_DEPTH) return '[cycle or too deep]';
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      const out = value.slice(0, MAX_ITEMS).map((v) => scrub(policy, v, depth + 1, seen) ?? null);
      if (value.length > MAX_ITEMS) out.push(`…[${value.length - MAX_ITEMS} more items truncated by nemo-relay]`);
      return out;
    }
    if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
    const out: Obj = {};
    let n = 0;
    for (const key of Object.keys(value)) {
      if (++n > MAX_ITEMS) break;
      const v = (value as Obj)[key];
      if (SECRET_KEY.test(key) && typeof v === 'string' && policy.config.scrubSecrets) {
        out[key] = '[REDACTED]';
        continue;
      }
      const c = scrub(policy, v, depth + 1, seen);
      if (c !== undefined) out[key] = c;
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/** Text content of one kind: cleaned, or emptied/stripped as the policy says (the field stays). */
function text(policy: CapturePolicy, value: unknown, kind: ContentKind): unknown {
  if (typeof value !== 'string') return scrub(policy, value);
  return policy.text(value, kind) ?? '';
}

function kindOfRole(role: unknown): ContentKind {
  if (role === 'assistant') return 'response';
  if (role === 'toolResult' || role === 'tool') return 'toolResult';
  return 'prompt';
}

/** A chat message: its text parts by the role's kind, tool-call arguments as tool arguments. */
function message(policy: CapturePolicy, m: unknown): unknown {
  const out = scrub(policy, m);
  if (!isObj(out) || !isObj(m)) return out;
  const kind = kindOfRole(m.role);
  if (typeof m.content === 'string') out.content = text(policy, m.content, kind);
  else if (Array.isArray(m.content)) {
    out.content = m.content.map((part, i) => {
      const p = (out.content as unknown[])[i];
      if (!isObj(part) || !isObj(p)) return p;
      if (typeof part.text === 'string') p.text = text(policy, part.text, kind);
      if (typeof part.thinking === 'string') p.thinking = text(policy, part.thinking, 'response');
      if (part.arguments !== undefined) p.arguments = policy.value(part.arguments, 'toolArgs');
      return p;
    });
  }
  return out;
}

function messages(policy: CapturePolicy, list: unknown): unknown {
  return Array.isArray(list) ? list.slice(0, MAX_ITEMS).map((m) => message(policy, m)) : scrub(policy, list);
}

/** The event payload of `hook` as it may be journaled. */
export function captureEvent(policy: CapturePolicy, hook: string, event: unknown): unknown {
  const out = scrub(policy, event);
  if (!isObj(out) || !isObj(event)) return out;
  const set = (key: string, fn: (v: unknown) => unknown): void => {
    if (event[key] !== undefined) out[key] = fn(event[key]);
  };
  set('prompt', (v) => text(policy, v, 'prompt'));
  set('systemPrompt', (v) => text(policy, v, 'prompt'));
  set('cleanedBody', (v) => text(policy, v, 'prompt'));
  set('historyMessages', (v) => messages(policy, v));
  set('messages', (v) => messages(policy, v));
  set('message', (v) => message(policy, v));
  set('lastAssistant', (v) => message(policy, v));
  set('assistantTexts', (v) => (Array.isArray(v) ? v.map((t) => text(policy, t, 'response')) : scrub(policy, v)));
  if (hook === 'before_tool_call' || hook === 'after_tool_call') {
    set('params', (v) => policy.value(v, 'toolArgs') ?? null);
    set('result', (v) => (policy.allows('toolResult') ? scrub(policy, v) : CAPTURE_STRIPPED));
  }
  return out;
}

/**
 * The hook context as it may be journaled. gateway_start's ctx carries the whole OpenClaw
 * config (tokens, provider keys): only its size is kept.
 */
export function captureCtx(policy: CapturePolicy, hook: string, ctx: unknown): unknown {
  if (hook === 'gateway_start' && isObj(ctx) && ctx.config !== undefined) {
    const { config: _config, ...rest } = ctx;
    return { ...(scrub(policy, rest) as Obj), config: '[omitted by nemo-relay]' };
  }
  return scrub(policy, ctx);
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
