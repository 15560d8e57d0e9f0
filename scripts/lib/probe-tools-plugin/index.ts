// Test-only tools so a scripted LLM can drive real tool calls through OpenClaw:
// probe_echo succeeds with a predictable output, fail_tool always throws.

import { definePluginEntry } from 'openclaw/plugin-sdk/plugin-entry';

const ECHO_PARAMS = {
  type: 'object',
  properties: { text: { type: 'string', description: 'Text to echo back.' } },
  required: ['text'],
  additionalProperties: false,
} as const;

const FAIL_PARAMS = {
  type: 'object',
  properties: { reason: { type: 'string', description: 'Put into the error message.' } },
  additionalProperties: false,
} as const;

export default definePluginEntry({
  id: 'probe-tools',
  name: 'Probe tools (tests only)',
  description: 'Deterministic agent tools for end-to-end tests: probe_echo and fail_tool.',
  register(api) {
    api.registerTool({
      name: 'probe_echo',
      label: 'Probe echo',
      description: 'Echo the given text back, prefixed with "echo: ".',
      parameters: ECHO_PARAMS,
      async execute(_toolCallId: string, params: unknown) {
        const text = String((params as { text?: unknown } | undefined)?.text ?? '');
        return { content: [{ type: 'text', text: `echo: ${text}` }], details: { text } };
      },
    });
    api.registerTool({
      name: 'fail_tool',
      label: 'Failing tool',
      description: 'Always fails; used to test tool error reporting.',
      parameters: FAIL_PARAMS,
      async execute(_toolCallId: string, params: unknown) {
        const reason = String((params as { reason?: unknown } | undefined)?.reason ?? 'no reason');
        throw new Error(`fail_tool failed on purpose: ${reason}`);
      },
    });
  },
});
