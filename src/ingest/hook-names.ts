// The OpenClaw hooks this plugin listens to, and which of them OpenClaw withholds from a
// non-bundled plugin unless `hooks.allowConversationAccess` is set (a gate of OpenClaw 2026.9.6).
// Both derive from the hook table (hooks/table.ts): a hook's module says whether it is gated.
// The table also holds two pseudo-events (not OpenClaw hooks, never subscribed); their names are here too.

import { HOOKS, type SubscribedHookName } from './hooks/table.ts';

export const SUBSCRIBED_HOOKS: readonly SubscribedHookName[] = HOOKS.filter((d) => d.subscribed).map((d) => d.name as SubscribedHookName);

export type SubscribedHook = SubscribedHookName;

export const CONVERSATION_GATED_HOOKS: ReadonlySet<string> = new Set(HOOKS.filter((d) => d.gated).map((d) => d.name));

export { PROVIDER_REQUEST } from './hooks/provider-request.ts';
export { DIAGNOSTIC_MODEL_USAGE } from './hooks/model-usage.ts';
