// The one place hooks are registered. Every consumer (the observability runtime, the Dynamo
// provider) lists what it wants per hook; each hook gets ONE handler on each plugin instance,
// which hands the payload to every consumer in turn. The payload is parsed once per delivery
// (parse-once.ts: the consumers ask parseOnce and share its result). A consumer must only
// record and return (the runtime feeds the engine; Dynamo enqueues), and may return a promise
// only for gateway_stop, which OpenClaw awaits within its shutdown budget.
//
// Handlers return undefined on purpose: before_message_write and before_tool_call treat a
// returned value as a decision (rewrite, block), and observation must never decide.

import { withDelivery } from './parse-once.ts';

export type HookHandler = (event: unknown, ctx: unknown) => unknown;

/** A consumer's handlers by hook name. */
export type HookTable = Readonly<Record<string, HookHandler | undefined>>;

type On = (name: string, handler: (event: unknown, ctx: unknown) => unknown) => void;

export function registerHooks(on: unknown, consumers: readonly HookTable[]): string[] {
  const names = [...new Set(consumers.flatMap((c) => Object.keys(c)))];
  for (const hook of names) {
    const handlers = consumers.map((c) => c[hook]).filter((h): h is HookHandler => h !== undefined);
    const awaited = hook === 'gateway_stop';
    (on as On)(hook, (event, ctx) => {
      const pending: Promise<unknown>[] = [];
      withDelivery(() => {
        for (const h of handlers) {
          try {
            const r = h(event, ctx);
            if (r instanceof Promise) pending.push(r.catch(() => undefined));
          } catch {
            // Each consumer counts its own failures; an exception must never reach OpenClaw.
          }
        }
      });
      return awaited && pending.length > 0 ? Promise.all(pending).then(() => undefined) : undefined;
    });
  }
  return names;
}
