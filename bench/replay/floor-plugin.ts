// The floor: a plugin with the same hooks as nemo-relay, registered the same way in every
// mode, whose handlers do nothing. Replayed through the same host and loop, it measures
// what the host, the events and the measurement cost without any plugin work.

import { SUBSCRIBED_HOOKS } from '../../src/ingest/hook-names.ts';

interface Api {
  on(hook: string, handler: (event: unknown, ctx: unknown) => unknown): void;
}

export default {
  id: 'nemo-relay-floor',
  register(api: Api): void {
    // One closure per hook, like the real plugin, so call sites see as many functions.
    for (const hook of SUBSCRIBED_HOOKS) api.on(hook, (_event: unknown, _ctx: unknown) => undefined);
  },
};
