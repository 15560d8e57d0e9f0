// Not an OpenClaw hook: the final request body a provider of this plugin (dynamo) saw in its
// onPayload, `{callId, body}`, fed through the same ingest path as the hooks.

import { describe, isObj, str } from '../read.ts';
import { done, pseudoHook, reject, type Base } from './types.ts';

export const PROVIDER_REQUEST = 'nemo_relay.provider_request';

export type ProviderRequestEvent = Base & { type: 'provider_request'; callId: string; body: unknown };

export const providerRequest = pseudoHook(PROVIDER_REQUEST, (x) => {
  const { e, bad, base } = x;
  const callId = str(e, 'callId', bad);
  const runId = callId ? /^(.+):model:\d+$/.exec(callId)?.[1] : undefined;
  if (!callId || !runId) return reject<ProviderRequestEvent>(x, `${PROVIDER_REQUEST}: callId missing or not <runId>:model:<n>`);
  if (!isObj(e.body)) return reject<ProviderRequestEvent>(x, `${PROVIDER_REQUEST}: body: expected object, found ${describe(e.body)}`);
  // The body is kept by reference; it is read once, on the lane, when the run is finalized.
  return done<ProviderRequestEvent>(x, { ...base, runId, type: 'provider_request', callId, body: e.body });
});
