// Test-only policy plugin: vetoes every fail_tool call from before_tool_call, so OpenClaw never
// runs it and reports it in after_tool_call as `result.details.status: "blocked"`.

import { definePluginEntry } from 'openclaw/plugin-sdk/plugin-entry';

export const GUARD_REASON = 'fail_tool is not allowed by the tool-guard test policy';

export default definePluginEntry({
  id: 'tool-guard',
  name: 'Tool guard (tests only)',
  description: 'Blocks fail_tool from its before_tool_call hook.',
  register(api) {
    api.on('before_tool_call', (event: { toolName?: string }) =>
      event.toolName === 'fail_tool' ? { block: true, blockReason: GUARD_REASON } : undefined,
    );
  },
});
