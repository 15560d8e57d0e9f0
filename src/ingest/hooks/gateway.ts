import { str } from '../read.ts';
import { done, hook, type Base } from './types.ts';

export type GatewayStartEvent = Base & { type: 'gateway_start' };
export type GatewayStopEvent = Base & { type: 'gateway_stop'; reason?: string };

export const gatewayStart = hook('gateway_start', (x) => done<GatewayStartEvent>(x, { ...x.base, type: 'gateway_start' }));
export const gatewayStop = hook('gateway_stop', (x) => done<GatewayStopEvent>(x, { ...x.base, type: 'gateway_stop', reason: str(x.e, 'reason', x.bad) }));
