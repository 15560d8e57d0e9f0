// Field readers shared by several hooks: usage, transcript messages, errors.

import { bool, describe, type FieldProblems, isObj, num, obj, type Obj, str } from '../read.ts';

export interface UsageIn {
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheWrite?: number;
  total?: number;
  cost?: { input?: number; output?: number; cacheRead?: number; cacheWrite?: number; total?: number };
}

/** The parts of an OpenClaw transcript message that the trace needs. */
export interface MessageIn {
  role: string;
  /** Raw content: a string or OpenClaw content parts. */
  content: unknown;
  toolCallId?: string;
  toolName?: string;
  isError?: boolean;
  usage?: UsageIn;
  stopReason?: string;
  errorMessage?: string;
  responseId?: string;
  provider?: string;
  model?: string;
  timestamp?: number;
}

export function parseMessage(m: Obj | undefined, bad: FieldProblems, path: string): MessageIn | undefined {
  if (!m) return undefined;
  const role = str(m, 'role', bad, `${path}.role`);
  if (!role) return undefined;
  return {
    role,
    content: m.content,
    toolCallId: str(m, 'toolCallId', bad, `${path}.toolCallId`),
    toolName: str(m, 'toolName', bad, `${path}.toolName`),
    isError: bool(m, 'isError', bad, `${path}.isError`),
    usage: usage(obj(m, 'usage', bad, `${path}.usage`), bad, `${path}.usage`),
    stopReason: str(m, 'stopReason', bad, `${path}.stopReason`),
    errorMessage: str(m, 'errorMessage', bad, `${path}.errorMessage`),
    responseId: str(m, 'responseId', bad, `${path}.responseId`),
    provider: str(m, 'provider', bad, `${path}.provider`),
    model: str(m, 'model', bad, `${path}.model`),
    timestamp: num(m, 'timestamp', bad, `${path}.timestamp`),
  };
}

export function usage(u: Obj | undefined, bad: FieldProblems, path: string): UsageIn | undefined {
  if (!u) return undefined;
  const cost = obj(u, 'cost', bad, `${path}.cost`);
  return {
    input: num(u, 'input', bad, `${path}.input`),
    output: num(u, 'output', bad, `${path}.output`),
    cacheRead: num(u, 'cacheRead', bad, `${path}.cacheRead`),
    cacheWrite: num(u, 'cacheWrite', bad, `${path}.cacheWrite`),
    // run totals (llm_output) say `total`, per-message usage says `totalTokens`
    total: num(u, 'totalTokens', bad, `${path}.totalTokens`) ?? num(u, 'total', bad, `${path}.total`),
    cost: cost && {
      input: num(cost, 'input', bad, `${path}.cost.input`),
      output: num(cost, 'output', bad, `${path}.cost.output`),
      cacheRead: num(cost, 'cacheRead', bad, `${path}.cost.cacheRead`),
      cacheWrite: num(cost, 'cacheWrite', bad, `${path}.cost.cacheWrite`),
      total: num(cost, 'total', bad, `${path}.cost.total`),
    },
  };
}

export function errorText(v: unknown, bad: FieldProblems): string | undefined {
  // `error: false` is how some tools say "no error".
  if (v === undefined || v === null || v === '' || v === false) return undefined;
  if (typeof v === 'string') return v;
  if (isObj(v) && typeof v.message === 'string') return v.message;
  bad.list.push('error: expected string or {message}');
  // String() throws for a null-prototype object (and for a hostile toString): never let it.
  try {
    return String(v);
  } catch {
    return `[${describe(v)}]`;
  }
}

/** name and code of an error object, read without reporting: optional detail, never a problem. */
export function errorClass(v: unknown): { errorName?: string; errorCode?: string } {
  if (typeof v !== 'object' || v === null) return {};
  try {
    const { name, code } = v as { name?: unknown; code?: unknown };
    return { ...(typeof name === 'string' ? { errorName: name } : {}), ...(typeof code === 'string' ? { errorCode: code } : {}) };
  } catch {
    return {};
  }
}
