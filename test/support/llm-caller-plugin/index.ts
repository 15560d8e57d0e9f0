// Test-only plugin: `llmCaller.ask` makes one LLM call through api.runtime.llm.complete (no agent
// run, no hooks), the way memory and summary plugins call the model.

import { definePluginEntry } from 'openclaw/plugin-sdk/plugin-entry';

export default definePluginEntry({
  id: 'llm-caller',
  name: 'LLM caller (tests only)',
  description: 'Calls api.runtime.llm.complete from a gateway method.',
  register(api) {
    api.registerGatewayMethod?.(
      'llmCaller.ask',
      async ({ respond }) => {
        try {
          const llm = (api.runtime as unknown as { llm: { complete(p: unknown): Promise<{ text: string; usage: unknown }> } }).llm;
          const result = await llm.complete({ messages: [{ role: 'user', content: 'helper plugin: summarize nothing' }], purpose: 'e2e plugin-originated call' });
          respond(true, { text: result.text, usage: result.usage });
        } catch (error) {
          respond(true, { error: error instanceof Error ? error.message : String(error) });
        }
      },
      { scope: 'operator.admin' },
    );
  },
});
