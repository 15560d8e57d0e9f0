import { isObj, num, obj, str } from '../read.ts';
import { errorClass, errorText } from './fields.ts';
import { done, hook, type Base, type HookInput, type Parsed } from './types.ts';

export type ToolStartEvent = Base & { type: 'tool_start'; toolCallId?: string; toolName: string; params?: unknown };
export type ToolEndEvent = Base & {
  type: 'tool_end';
  toolCallId?: string;
  toolName: string;
  params?: unknown;
  result?: unknown;
  error?: string;
  /** The error's own `name` and `code` when it is an object: a class to report where its message cannot go. */
  errorName?: string;
  errorCode?: string;
  durationMs?: number;
  /** OpenClaw's own verdict: `result.details.status === "blocked"` (a policy or hook denied the call). */
  blocked?: boolean;
  /** `result.details.deniedReason` of a blocked call. */
  deniedReason?: string;
};
/**
 * A tool hook as parsed, with or without a tool name: the engine needs the name (a nameless
 * tool hook is rejected for it), the Dynamo tool relay does not.
 */
export type ToolHookEvent = (Omit<ToolStartEvent, 'toolName'> | Omit<ToolEndEvent, 'toolName'>) & { toolName?: string };
export type ToolPersistEvent = Base & { type: 'tool_persist' };

function parseTool(x: HookInput): Parsed<ToolStartEvent | ToolEndEvent> {
  const { e, c, bad, base, hook: name } = x;
  const toolName = str(e, 'toolName', bad) ?? str(c, 'toolName', bad, 'ctx.toolName');
  const toolCallId = str(e, 'toolCallId', bad) ?? str(c, 'toolCallId', bad, 'ctx.toolCallId');
  let tool: ToolHookEvent;
  if (name === 'before_tool_call') tool = { ...base, type: 'tool_start', toolCallId, toolName, params: e.params };
  else {
    const details = isObj(e.result) ? obj(e.result, 'details', bad, 'result.details') : undefined;
    const blocked = str(details, 'status', bad, 'result.details.status') === 'blocked';
    tool = {
      ...base,
      type: 'tool_end',
      toolCallId,
      toolName,
      params: e.params,
      result: e.result,
      error: errorText(e.error, bad),
      ...errorClass(e.error),
      durationMs: num(e, 'durationMs', bad),
      ...(blocked ? { blocked, deniedReason: str(details, 'deniedReason', bad, 'result.details.deniedReason') } : {}),
    };
  }
  if (!toolName) return { problems: [...bad.list, `${name}: toolName missing`], tool };
  return { event: tool as ToolStartEvent | ToolEndEvent, problems: bad.list, tool };
}

export const beforeToolCall = hook('before_tool_call', parseTool);
export const afterToolCall = hook('after_tool_call', parseTool);
// Counted and dropped: the same tool result comes again through before_message_write.
export const toolResultPersist = hook('tool_result_persist', (x) => done<ToolPersistEvent>(x, { ...x.base, type: 'tool_persist' }));
