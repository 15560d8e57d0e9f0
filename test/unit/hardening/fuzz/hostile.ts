// Hostile payloads the arbitraries cannot express as plain data: cycles and 5000-deep
// nesting added to generated events, mutations of recorded events, and objects that throw
// from getters, Proxies, toJSON or toString. They are applied in place, after generation,
// so the shrink-free replay (FUZZ_SEED/FUZZ_PATH) still reproduces them.

import type { RecordedHook } from '../../../support/replay.ts';
import { isObj, judge, TYPED_FIELDS } from '../contract.ts';
import type { Kind, Mutation, Shape } from './arbitraries.ts';
import { HOSTILE_IDS, TEN_KB } from './world.ts';

// ---- hostile shapes --------------------------------------------------------------------------

function deep(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = i % 2 ? { next: v } : [v];
  return v;
}

export function shape(event: unknown, s: Shape): void {
  if (!isObj(event) || s === 'plain') return;
  switch (s) {
    case 'cycle':
      event.x_self = event;
      break;
    case 'deep':
      event.x_deep = deep(5000);
      break;
    case 'cycle-content': {
      const parts: unknown[] = [{ type: 'text', text: 'around we go' }];
      parts.push(parts, { type: 'toolCall', id: 'call_1', name: 'probe_echo', arguments: { self: event } });
      if (isObj(event.message)) event.message.content = parts;
      event.params = { parts };
      event.result = { content: parts, details: { again: parts } };
      event.historyMessages = [{ role: 'user', content: parts }];
      break;
    }
    case 'deep-content':
      if (isObj(event.message)) event.message.content = [{ type: 'toolCall', id: 'call_1', name: 'probe_echo', arguments: { d: deep(3000) } }];
      event.params = deep(3000);
      event.result = deep(3000);
      break;
  }
}

const WRONG_VALUES: unknown[] = [42, true, {}, [], 'text', Number.NaN, 7n];

export function mutateFixture(r: RecordedHook, m: Mutation, which: number): void {
  const e = r.event;
  if (!isObj(e)) return;
  switch (m) {
    case 'corrupt': {
      const keys = Object.keys(TYPED_FIELDS[r.hook] ?? { sessionKey: 'str' });
      const key = keys[which % keys.length]!;
      const kind = (TYPED_FIELDS[r.hook]?.[key] ?? 'str') as Kind;
      e[key] = WRONG_VALUES.find((v, i) => i >= which % WRONG_VALUES.length && judge(v, kind) === 'bad') ?? WRONG_VALUES.find((v) => judge(v, kind) === 'bad');
      break;
    }
    case 'extra':
      e[`x_${which}`] = { nested: [1, 'two', { three: null }], big: TEN_KB };
      break;
    case 'hostile-key': {
      const id = HOSTILE_IDS[which % HOSTILE_IDS.length]!;
      if (typeof e.sessionKey === 'string') e.sessionKey = id;
      if (isObj(r.ctx) && typeof r.ctx.sessionKey === 'string') r.ctx.sessionKey = id;
      if (typeof e.sessionId === 'string') e.sessionId = id;
      break;
    }
    case 'huge':
      if (isObj(e.message)) e.message.content = [{ type: 'text', text: TEN_KB.repeat(10) }];
      if ('result' in e) e.result = TEN_KB.repeat(10);
      if ('prompt' in e) e.prompt = TEN_KB.repeat(10);
      break;
  }
}

// ---- hostile objects: getters that throw, Proxies, toJSON/toString that throw ---------------

const boom = (): never => {
  throw new Error('hostile payload');
};
export type Hostile = 'proxy' | 'getter' | 'content-getter' | 'tojson' | 'toprimitive' | 'revoked';
export function hostile(kind: Hostile, field: string): unknown {
  switch (kind) {
    case 'proxy':
      return new Proxy({}, { get: boom, has: boom, ownKeys: boom, getOwnPropertyDescriptor: boom, getPrototypeOf: boom });
    case 'revoked': {
      const r = Proxy.revocable({}, {});
      r.revoke();
      return r.proxy;
    }
    case 'getter':
      return Object.defineProperty({ sessionKey: 'agent:main:hostile', runId: 'hostile-run', callId: 'hostile-run:model:1', toolName: 'probe_echo' }, field, { get: boom, enumerable: true });
    case 'content-getter': {
      const part = Object.defineProperty({ type: 'text' }, 'text', { get: boom, enumerable: true });
      return {
        sessionKey: 'agent:main:hostile',
        runId: 'hostile-run',
        toolName: 'probe_echo',
        toolCallId: 'call_1',
        message: { role: 'assistant', content: [part], stopReason: 'stop' },
        params: Object.defineProperty({}, 'x', { get: boom, enumerable: true }),
        result: { content: [part] },
      };
    }
    case 'tojson':
      return { sessionKey: 'agent:main:hostile', runId: 'hostile-run', toolName: 'probe_echo', toolCallId: 'call_1', params: { toJSON: boom }, result: { toJSON: boom } };
    case 'toprimitive':
      return { sessionKey: 'agent:main:hostile', runId: 'hostile-run', error: { [Symbol.toPrimitive]: boom, toString: boom }, toolName: 'probe_echo' };
  }
}

