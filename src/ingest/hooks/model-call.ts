import { num, str } from '../read.ts';
import { done, hook, reject, type Base, type HookInput } from './types.ts';

interface ModelCallCommon extends Base {
  callId: string;
  provider?: string;
  model?: string;
  api?: string;
  transport?: string;
}
export type ModelCallStartedEvent = ModelCallCommon & { type: 'model_call_started' };
export type ModelCallEndedEvent = ModelCallCommon & {
  type: 'model_call_ended';
  durationMs?: number;
  outcome?: string;
  error?: string;
  failureKind?: string;
  timeToFirstByteMs?: number;
  requestPayloadBytes?: number;
  responseStreamBytes?: number;
};

function common(x: HookInput): ModelCallCommon | undefined {
  const { e, bad } = x;
  const callId = str(e, 'callId', bad);
  if (!callId) return undefined;
  return { ...x.base, callId, provider: str(e, 'provider', bad), model: str(e, 'model', bad), api: str(e, 'api', bad), transport: str(e, 'transport', bad) };
}

export const modelCallStarted = hook('model_call_started', (x) => {
  const c = common(x);
  if (!c) return reject<ModelCallStartedEvent>(x, `${x.hook}: callId missing`);
  return done<ModelCallStartedEvent>(x, { ...c, type: 'model_call_started' });
});

export const modelCallEnded = hook('model_call_ended', (x) => {
  const c = common(x);
  if (!c) return reject<ModelCallEndedEvent>(x, `${x.hook}: callId missing`);
  const { e, bad } = x;
  return done<ModelCallEndedEvent>(x, {
    ...c,
    type: 'model_call_ended',
    durationMs: num(e, 'durationMs', bad),
    outcome: str(e, 'outcome', bad),
    error: str(e, 'error', bad) ?? str(e, 'errorMessage', bad),
    failureKind: str(e, 'failureKind', bad) ?? str(e, 'errorCategory', bad),
    timeToFirstByteMs: num(e, 'timeToFirstByteMs', bad),
    requestPayloadBytes: num(e, 'requestPayloadBytes', bad),
    responseStreamBytes: num(e, 'responseStreamBytes', bad),
  });
});
