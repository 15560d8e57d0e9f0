// The entry OpenClaw loads for the "cli-metadata" registration (root help, command routing):
// only the CLI descriptors. The full entry (index.ts) would build the runtime, and the plugin
// runtime is deliberately unavailable in that mode (DESIGN.md §9).

import { definePluginEntry } from 'openclaw/plugin-sdk/plugin-entry';
import { registerNemoRelayCli } from './src/cli/register-cli.ts';

export default definePluginEntry({
  id: 'nemo-relay',
  name: 'NeMo Relay Observability',
  description: 'Hook correlation into traces: ATIF trajectories, OpenTelemetry (gen_ai) and OpenInference spans, nemoRelay.status',
  register(api) {
    registerNemoRelayCli(api);
  },
});
