// Typed, normalized hook events: the only input of the correlation engine.
//
// Parsing copies references to the fields the engine uses and nothing else, so a handler
// stays O(1) in the payload size. Content (messages, tool params and results) is kept as
// the raw value; the capture policy turns it into text once, when the run is finalized.

// Each event type lives with its parser in hooks/<hook>.ts; the union is derived from the
// table there (hooks/table.ts), so it always matches what parseHook can produce.

import type { TableEvent } from './hooks/table.ts';

export type { MessageIn, UsageIn } from './hooks/fields.ts';
export type { ToolEndEvent, ToolHookEvent, ToolStartEvent } from './hooks/tool.ts';
export type { TraceIn } from './hooks/types.ts';
export type { ProviderRequestEvent } from './hooks/provider-request.ts';
export type { ModelUsageEvent } from './hooks/model-usage.ts';

export type HookEvent = TableEvent;

export type HookEventType = HookEvent['type'];
