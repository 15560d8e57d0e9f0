// fast-check generators for the hook-path fuzz: values (junk, hostile text, odd numbers),
// hook events that are mostly valid and sometimes typed wrong, and the operations of a
// stream (generate, replay a recorded event, redeliver, clone, misroute). The shapes and
// weights are part of the replay contract: FUZZ_SEED/FUZZ_PATH reproduce a stream only as
// long as these generators are built the same way, in the same order.

import fc from 'fast-check';
import { SUBSCRIBED_HOOKS } from '../../../../src/ingest/hook-names.ts';
import { isObj, judge } from '../contract.ts';
import { CALL_IDS, FIXTURES, GEN_HOOKS, HOSTILE_IDS, RUN_IDS, SESSION_IDS, SESSION_KEYS, TEN_KB, TOOL_CALL_IDS, TOOL_NAMES } from './world.ts';

// ---- value arbitraries ---------------------------------------------------------------------

const junk = fc.anything({
  maxDepth: 2,
  maxKeys: 3,
  withBigInt: true,
  withNullPrototype: true,
  withMap: true,
  withSet: true,
  withBoxedValues: true,
  withTypedArray: true,
  withSparseArray: true,
  withObjectString: true,
  stringUnit: 'binary',
});
const text = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constant(TEN_KB) },
  { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_IDS) },
);
const number = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 100_000 }) },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, -0, Number.MAX_VALUE, -Number.MAX_VALUE, 8.64e15, 1e21) },
);
export const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
/** Mostly the first `hot` ids, so runs and sessions really develop; the rest (hostile ones) now and then. */
const skewed = <T>(xs: readonly T[], hot: number) =>
  fc.oneof({ weight: 6, arbitrary: pick(xs.slice(0, hot)) }, { weight: 1, arbitrary: pick(xs.slice(hot)) });
const sessionKey = skewed(SESSION_KEYS, 4);
const sessionIdArb = skewed(SESSION_IDS, 4);
const runIdArb = skewed(RUN_IDS, 6);
export type Kind = 'str' | 'num' | 'bool' | 'obj' | 'arr' | 'err';
const wrong = (kind: Kind) => junk.filter((v) => judge(v, kind) === 'bad');

/** A typed field: mostly valid, sometimes absent or null; in a dirty event also of the wrong type. */
function field<T>(kind: Kind, valid: fc.Arbitrary<T>, dirty: boolean): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: dirty ? 4 : 8, arbitrary: valid as fc.Arbitrary<unknown> },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: dirty ? 3 : 0, arbitrary: wrong(kind) },
  );
}

const usage = (dirty: boolean) =>
  fc.record({
    input: field('num', number, dirty),
    output: field('num', number, dirty),
    cacheRead: field('num', number, dirty),
    cacheWrite: field('num', number, dirty),
    totalTokens: field('num', number, dirty),
    total: field('num', number, dirty),
    cost: field('obj', fc.record({ input: field('num', number, dirty), total: field('num', number, dirty) }), dirty),
  });

const args = fc.oneof(junk, fc.json(), fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(text, number)));
const part = fc.oneof(
  fc.record({ type: fc.constant('text'), text }),
  fc.record({ type: fc.constantFrom('toolCall', 'tool_use', 'toolUse'), id: pick(TOOL_CALL_IDS), name: pick(TOOL_NAMES), arguments: args }),
  fc.record({ type: fc.constantFrom('thinking', 'reasoning'), thinking: text }),
  fc.record({ type: fc.constant('image'), data: fc.string({ maxLength: 8 }) }),
  junk,
);
const content = fc.oneof({ weight: 3, arbitrary: text }, { weight: 4, arbitrary: fc.array(part, { maxLength: 4 }) }, { weight: 1, arbitrary: junk });
const message = (dirty: boolean) =>
  fc.record({
    role: field('str', fc.oneof(pick(['user', 'assistant', 'toolResult', 'tool', 'system', 'custom']), text), dirty),
    content,
    toolCallId: field('str', pick(TOOL_CALL_IDS), dirty),
    toolName: field('str', pick(TOOL_NAMES), dirty),
    isError: field('bool', fc.boolean(), dirty),
    usage: field('obj', usage(dirty), dirty),
    stopReason: field('str', pick(['stop', 'toolUse', 'error', 'length']), dirty),
    errorMessage: field('str', text, dirty),
    responseId: field('str', fc.string({ maxLength: 12 }), dirty),
    provider: field('str', text, dirty),
    model: field('str', text, dirty),
    timestamp: field('num', number, dirty),
  });
const toolResult = fc.oneof(
  text,
  fc.record({ content: fc.array(fc.record({ type: fc.constant('text'), text }), { maxLength: 3 }), details: junk }),
  junk,
  fc.constant('spawned agent:main:subagent:0f0f0f0f-aaaa-bbbb'),
  fc.record({ childSessionKey: sessionKey }),
);
const errorValue = fc.oneof(text, fc.record({ message: text, stack: text }));

/** Hook-specific fields of a generated event. */
function hookFields(hook: string, dirty: boolean): fc.Arbitrary<Record<string, unknown>> {
  const s = (valid: fc.Arbitrary<unknown> = text) => field('str', valid, dirty);
  const n = () => field('num', number, dirty);
  switch (hook) {
    case 'gateway_stop':
      return fc.record({ reason: s() });
    case 'session_start':
      return fc.record({ resumedFrom: s(pick(SESSION_IDS)) });
    case 'session_end':
      return fc.record({ reason: s(), durationMs: n() });
    case 'llm_input':
      return fc.record({
        provider: s(),
        model: s(),
        systemPrompt: s(),
        prompt: s(),
        historyMessages: field('arr', fc.array(fc.oneof(message(false), junk), { maxLength: 3 }), dirty),
        tools: field('arr', fc.array(fc.oneof(fc.record({ name: pick(TOOL_NAMES), description: text, parameters: junk }), junk), { maxLength: 3 }), dirty),
        imagesCount: junk,
      });
    case 'llm_output':
      return fc.record({ provider: s(), model: s(), usage: field('obj', usage(dirty), dirty), assistantTexts: field('arr', fc.array(text, { maxLength: 2 }), dirty), lastAssistant: junk });
    case 'model_call_started':
    case 'model_call_ended':
      return fc.record({
        callId: s(pick(CALL_IDS)),
        provider: s(),
        model: s(),
        api: s(),
        transport: s(),
        ...(hook === 'model_call_ended'
          ? {
              durationMs: n(),
              outcome: s(pick(['completed', 'error', 'aborted', 'timeout'])),
              error: s(),
              errorMessage: s(),
              failureKind: s(),
              errorCategory: s(),
              timeToFirstByteMs: n(),
              requestPayloadBytes: n(),
              responseStreamBytes: n(),
            }
          : {}),
      });
    case 'before_message_write':
      return fc.record({ message: field('obj', message(dirty), dirty) });
    case 'before_tool_call':
    case 'after_tool_call':
      return fc.record({
        toolName: s(pick(TOOL_NAMES)),
        toolCallId: s(pick(TOOL_CALL_IDS)),
        params: args,
        ...(hook === 'after_tool_call' ? { result: toolResult, error: field('err', errorValue, dirty), durationMs: n() } : {}),
      });
    case 'tool_result_persist':
      return fc.record({ toolCallId: s(pick(TOOL_CALL_IDS)), toolName: s(pick(TOOL_NAMES)), isSynthetic: field('bool', fc.boolean(), dirty), message: field('obj', message(dirty), dirty) });
    case 'agent_end':
      return fc.record({ success: field('bool', fc.boolean(), dirty), error: field('err', errorValue, dirty), durationMs: n(), messages: junk });
    case 'before_compaction':
    case 'after_compaction':
      return fc.record({ messageCount: n(), compactedCount: n(), tokenCount: n() });
    case 'subagent_spawned':
      return fc.record({
        childSessionKey: s(sessionKey),
        agentId: s(),
        runId: s(runIdArb),
        mode: s(),
        label: s(),
        requester: field('obj', fc.record({ sessionKey: s(sessionKey) }), dirty),
      });
    case 'subagent_delivery_target':
      return fc.record({ childSessionKey: s(sessionKey), requesterSessionKey: s(sessionKey), childRunId: s(runIdArb) });
    case 'subagent_ended':
      return fc.record({
        targetSessionKey: s(sessionKey),
        runId: s(runIdArb),
        reason: s(),
        outcome: s(pick(['ok', 'error', 'timeout'])),
        endedAt: n(),
        error: field('err', errorValue, dirty),
      });
    default:
      return fc.record({});
  }
}

const extras = fc.dictionary(fc.string({ maxLength: 6 }).map((k) => `x_${k}`), junk, { maxKeys: 3 });

function eventFor(hook: string, dirty: boolean): fc.Arbitrary<{ event: unknown; ctx: unknown }> {
  const identity = fc.record({
    sessionKey: field('str', sessionKey, dirty),
    sessionId: field('str', sessionIdArb, dirty),
    runId: field('str', runIdArb, dirty),
  });
  const ctx = fc.oneof(
    {
      weight: 12,
      arbitrary: fc.record({
        sessionKey: field('str', sessionKey, dirty),
        sessionId: field('str', sessionIdArb, dirty),
        agentId: field('str', fc.constantFrom('main', 'other', '../x'), dirty),
        runId: field('str', runIdArb, dirty),
        toolName: field('str', pick(TOOL_NAMES), dirty),
        toolCallId: field('str', pick(TOOL_CALL_IDS), dirty),
        trigger: field('str', fc.constantFrom('user', 'cron', 'heartbeat'), dirty),
        // Only strings or nothing here (see contract.ts, subagent_spawned).
        requesterSessionKey: fc.option(sessionKey, { nil: undefined }),
        trace: junk,
      }),
    },
    { weight: 1, arbitrary: junk },
  );
  const object = fc.tuple(identity, hookFields(hook, dirty), extras).map(([id, own, more]) => ({ ...id, ...own, ...more }));
  const event = dirty ? fc.oneof({ weight: 12, arbitrary: object as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: junk }) : object;
  return fc.record({ event: event as fc.Arbitrary<unknown>, ctx: ctx as fc.Arbitrary<unknown> }).map((x) => ({ event: dropUndefined(x.event), ctx: dropUndefined(x.ctx) }));
}

/** `undefined` fields are absent fields. */
function dropUndefined(v: unknown): unknown {
  if (!isObj(v) || Object.getPrototypeOf(v) !== Object.prototype) return v;
  for (const k of Object.keys(v)) if (v[k] === undefined) delete v[k];
  if (isObj(v.message)) dropUndefined(v.message);
  return v;
}

// ---- operations -----------------------------------------------------------------------------

export type Shape = 'plain' | 'cycle' | 'deep' | 'cycle-content' | 'deep-content';
export type Mutation = 'none' | 'corrupt' | 'skip' | 'swap' | 'extra' | 'hostile-key' | 'huge';
export type Op =
  | { k: 'gen'; hook: string; event: unknown; ctx: unknown; inst: number; shape: Shape; dt: number }
  | { k: 'fx'; copy: number; mutation: Mutation; which: number; flip: boolean; dt: number }
  | { k: 'dup'; back: number; inst: number; dt: number }
  | { k: 'clone'; back: number; inst: number; dt: number }
  | { k: 'wrong'; back: number; hook: string; inst: number; dt: number }
  | { k: 'unknown'; name: string; dt: number };

const dt = fc.oneof(
  { weight: 30, arbitrary: fc.integer({ min: 0, max: 5 }) },
  { weight: 4, arbitrary: fc.integer({ min: 5, max: 300 }) },
  { weight: 1, arbitrary: fc.integer({ min: 800, max: 3000 }) },
);
export const inst = fc.integer({ min: 0, max: 1 });
const back = fc.integer({ min: 1, max: 40 });
// Built once per hook: arbitraries are not cheap to construct (constantFrom indexes its values).
const EVENT_ARBS = new Map(GEN_HOOKS.map((hook) => [hook, fc.oneof({ weight: 7, arbitrary: eventFor(hook, false) }, { weight: 3, arbitrary: eventFor(hook, true) })]));
const genOp: fc.Arbitrary<Op> = pick(GEN_HOOKS)
  .chain((hook) =>
    fc.record({
      hook: fc.constant(hook),
      ev: EVENT_ARBS.get(hook)!,
      inst,
      shape: fc.oneof({ weight: 20, arbitrary: fc.constant<Shape>('plain') }, { weight: 1, arbitrary: pick<Shape>(['cycle', 'deep', 'cycle-content', 'deep-content']) }),
      dt,
    }),
  )
  .map(({ hook, ev, inst, shape, dt }) => ({ k: 'gen', hook, event: ev.event, ctx: ev.ctx, inst, shape, dt }));
const fxOp: fc.Arbitrary<Op> = fc.record({
  k: fc.constant('fx' as const),
  copy: fc.nat(),
  mutation: fc.oneof(
    { weight: 14, arbitrary: fc.constant<Mutation>('none') },
    { weight: 1, arbitrary: pick<Mutation>(['corrupt', 'skip', 'swap', 'extra', 'hostile-key', 'huge']) },
  ),
  which: fc.nat(),
  flip: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  dt,
});
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 55, arbitrary: genOp },
  { weight: 30, arbitrary: fxOp },
  { weight: 5, arbitrary: fc.record({ k: fc.constant('dup' as const), back, inst, dt }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('clone' as const), back, inst, dt }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('wrong' as const), back, hook: pick(SUBSCRIBED_HOOKS.filter((h) => h !== 'gateway_stop')), inst, dt }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('unknown' as const), name: fc.oneof(fc.string({ maxLength: 20 }), pick(['tool_execution_start', 'subagent_progress', 'cron_run', '__proto__', 'constructor'])), dt }) },
);

export const streamArb = fc.record({
  ops: fc.array(opArb, { minLength: 1100, maxLength: 1200 }),
  fixtures: fc.array(fc.nat({ max: FIXTURES.length - 1 }), { minLength: 3, maxLength: 5 }),
  /** ~1 stream in 5 sees gateway_stop in the middle. */
  stopAt: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.nat({ max: 1000 }) }),
});

/** One generated stream, as runStream takes it. */
export type Stream = { ops: Op[]; fixtures: number[]; stopAt: number | undefined };
