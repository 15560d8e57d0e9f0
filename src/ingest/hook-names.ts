// The OpenClaw hooks this plugin listens to, and which of them OpenClaw withholds from a
// non-bundled plugin unless `hooks.allowConversationAccess` is set (a gate of OpenClaw 2026.9.6).
// Both derive from the hook table (hooks/table.ts): a hook's module says whether it is gated.

import { HOOKS, type HookName } from './hooks/table.ts';

export const SUBSCRIBED_HOOKS: readonly HookName[] = HOOKS.map((d) => d.name);

export type SubscribedHook = HookName;

export const CONVERSATION_GATED_HOOKS: ReadonlySet<string> = new Set(HOOKS.filter((d) => d.gated).map((d) => d.name));
