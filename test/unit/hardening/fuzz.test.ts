// Property-based hardening of the hook path: fast-check streams of generated and mutated
// real events (>= 100,000 deliveries in total) go to the REAL registered handlers of a
// "full" and a "discovery" plugin instance (one shared runtime), with the ATIF sink and an
// OTLP output to a real receiver switched on.
//
// Generated: wrong types, missing and extra fields, non-object events and contexts, huge
// strings, deep nesting, cycles, BigInts, null-prototype objects, Maps and Sets, ids with
// `../`, NUL, newlines and 10 kB of text, events out of order, delivered twice (same object,
// to either instance), cloned, routed to the wrong hook, interleaved across sessions, plus
// retagged copies of recorded OpenClaw streams with their own mutations; the clock jumps
// past grace windows and TTLs in the middle of runs.
//
// Invariants, per stream:
//   - no handler throws; every handler returns undefined (gateway_stop: a promise that settles);
//   - status counts exactly what was fed: events per hook, malformed per hook (predicted by
//     contract.ts, an independent statement of the payload contract), duplicate deliveries,
//     events that reached the engine; no internal error;
//   - the correlation caps hold after every single delivery: open sessions, open runs,
//     buffered records, the engine's side tables;
//   - once the TTLs have passed, everything is released;
//   - every file in output_directory is a plain, safely named, 0600, valid ATIF document, the
//     folder is 0700, nothing lands outside it, no temp file is left; the OTLP output never
//     fails to build or send a span.

import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseHook } from '../../../src/ingest/parse.ts';
import { SUBSCRIBED_HOOKS } from '../../../src/ingest/hook-names.ts';
import { MALFORMED_SAMPLES_CAP, RECENT_RUNS_CAP, SPAWNED_RUNS_CAP, pendingLineageCap, segmentsCap } from '../../../src/util/caps.ts';
import type { TraceSink } from '../../../src/fanout/sink.ts';
import type { Session } from '../../../src/trace/model.ts';
import { fire } from '../../support/fake-host.ts';
import { startOtlpReceiver, type OtlpReceiver } from '../../support/otlp-receiver.ts';
import type { RecordedHook } from '../../support/replay.ts';
import { collectIds } from '../../support/streams.ts';
import { expectedParse, isObj, judge, TYPED_FIELDS } from './contract.ts';
import { agentSteps, fixture, inspectAtifDir, macrotask, play, pluginConfig, scratch, setupPlugin, status, stopGateway, type Doc, type Plugin, removeScratch } from './helpers.ts';

afterAll(removeScratch);

// ---- the world the generator draws ids from ------------------------------------------------

const CAPS = { llmOutputGraceMs: 50, recordTtlMs: 1000, maxRecordsPerKey: 4, sessionIdleMs: 4000, maxOpenSessions: 6 };
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const TEN_KB = 'ten kB of text, '.repeat(640);
const HOSTILE_IDS = [
  '../../../escape',
  `${'../'.repeat(40)}etc/passwd`,
  '/etc/passwd',
  'nul\u0000byte',
  'new\nline\r\n',
  '..',
  '.',
  '',
  ' ',
  '.hidden',
  'a/b\\c',
  '%2e%2e%2f',
  '\u202egnp.exe',
  'CON',
  `z${TEN_KB}`,
];
const SESSION_KEYS = [...range(6).map((i) => `agent:main:fz-${i}`), 'agent:main:subagent:0f0f0f0f-aaaa-bbbb', 'agent:main:subagent:../../x', ...HOSTILE_IDS];
const SESSION_IDS = [...range(4).map((i) => `0000000${i}-1111-2222-3333-444444444444`), ...HOSTILE_IDS];
const RUN_IDS = [...range(10).map((i) => `run-${i}`), 'announce:v1:agent:main:subagent:0f0f0f0f-aaaa-bbbb:run-3', '../run', 'r\u0000n', 'r\nn', `r${TEN_KB}`];
const CALL_IDS = [...RUN_IDS.slice(0, 10).flatMap((r) => [1, 2, 3].map((n) => `${r}:model:${n}`)), 'no-model', 'x:model:99999999999999999999999', '../../:model:1'];
const TOOL_CALL_IDS = ['call_1', 'call_1_0', 'call10', 'call_2', 'tc/../../x', 'tc\u0000z', 'tc\nz', 'spawn-1'];
const TOOL_NAMES = ['probe_echo', 'sessions_spawn', 'fail_tool', '../../bin/sh', 'tool\u0000name', 'n'.repeat(300)];
const FIXTURES = [
  'gateway-tool-call.jsonl',
  'gateway-subagent.jsonl',
  'gateway-failing-tool.jsonl',
  'gateway-parallel-tools.jsonl',
  'http-chat-completions.jsonl',
  'local-turn.jsonl',
  'gateway-no-conversation-access.jsonl',
];
const GEN_HOOKS = SUBSCRIBED_HOOKS.filter((h) => h !== 'gateway_stop');

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
const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
/** Mostly the first `hot` ids, so runs and sessions really develop; the rest (hostile ones) now and then. */
const skewed = <T>(xs: readonly T[], hot: number) =>
  fc.oneof({ weight: 6, arbitrary: pick(xs.slice(0, hot)) }, { weight: 1, arbitrary: pick(xs.slice(hot)) });
const sessionKey = skewed(SESSION_KEYS, 4);
const sessionIdArb = skewed(SESSION_IDS, 4);
const runIdArb = skewed(RUN_IDS, 6);
type Kind = 'str' | 'num' | 'bool' | 'obj' | 'arr' | 'err';
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

type Shape = 'plain' | 'cycle' | 'deep' | 'cycle-content' | 'deep-content';
type Mutation = 'none' | 'corrupt' | 'skip' | 'swap' | 'extra' | 'hostile-key' | 'huge';
type Op =
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
const inst = fc.integer({ min: 0, max: 1 });
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

const streamArb = fc.record({
  ops: fc.array(opArb, { minLength: 1100, maxLength: 1200 }),
  fixtures: fc.array(fc.nat({ max: FIXTURES.length - 1 }), { minLength: 3, maxLength: 5 }),
  /** ~1 stream in 5 sees gateway_stop in the middle. */
  stopAt: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.nat({ max: 1000 }) }),
});

// ---- hostile shapes --------------------------------------------------------------------------

function deep(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = i % 2 ? { next: v } : [v];
  return v;
}

function shape(event: unknown, s: Shape): void {
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

function mutateFixture(r: RecordedHook, m: Mutation, which: number): void {
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

// ---- recorded streams, retagged cheaply ---------------------------------------------------

const templates = new Map<number, { records: RecordedHook[]; json: string; pattern: RegExp }>();

/** A copy of a recorded stream with every id suffixed by `tag` (as streams.ts retag, but parsed once). */
function freshCopy(which: number, tag: string): RecordedHook[] {
  let t = templates.get(which);
  if (!t) {
    const records = fixture(FIXTURES[which]!).filter((r) => r.hook !== 'gateway_stop');
    const ids = collectIds(records);
    t = {
      records,
      json: JSON.stringify(records.map((r) => [r.event, r.ctx])),
      pattern: new RegExp(ids.map((id) => id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g'),
    };
    templates.set(which, t);
  }
  const fresh = JSON.parse(t.json.replace(t.pattern, (m) => `${m}~${tag}`)) as [unknown, unknown][];
  return t.records.map((r, i) => ({ ...r, event: fresh[i]![0], ctx: fresh[i]![1] }));
}

// ---- the oracle's ledger ---------------------------------------------------------------------

interface Ledger {
  deliveries: number;
  events: Record<string, number>;
  malformed: Record<string, number>;
  duplicates: number;
  reachedEngine: number;
  seen: Map<string, WeakSet<object>>;
}

const newLedger = (): Ledger => ({ deliveries: 0, events: {}, malformed: {}, duplicates: 0, reachedEngine: 0, seen: new Map() });

let totalDeliveries = 0;
const tally = { streams: 0, files: 0, malformed: 0, duplicates: 0, stoppedMidStream: 0, evicted: 0, expired: 0 };

// ---- running one stream -----------------------------------------------------------------------

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await receiver?.close();
});
afterEach(() => {
  vi.useRealTimers();
});

interface Delivered {
  hook: string;
  event: unknown;
  ctx: unknown;
}

async function runStream(stream: { ops: Op[]; fixtures: number[]; stopAt: number | undefined }, index: number): Promise<void> {
  const t0 = performance.now();
  const root = scratch('nr-fuzz-');
  const out = join(root, 'out');
  vi.useFakeTimers({ toFake: ['Date'] });
  let now = 1_800_000_000_000;
  vi.setSystemTime(now);
  const p: Plugin = setupPlugin(
    pluginConfig(out, {
      capture: { maxFieldBytes: 4096 },
      correlation: CAPS,
      otlp: { endpoint: receiver.url, max_queue_size: 100_000, max_export_batch_size: 512, timeout_millis: 5000 },
    }),
  );
  const rt = p.runtime;
  const ended: Session[] = [];
  (rt.sinks as TraceSink[]).push({
    name: 'recorder',
    runEnded: () => {},
    sessionEnded: (s2) => void ended.push(s2),
    flush: async () => {},
    shutdown: async () => {},
    health: () => ({ name: 'recorder', enabled: true, state: 'ok', exported: 0, unit: 'messages', failures: 0, dropped: 0, queueDepth: 0 }),
  });
  const engine = rt.engine;
  const L = newLedger();
  const instances = [p.full, p.discovery];
  const delivered: Delivered[] = [];
  let stopped = false;
  const pending: Promise<unknown>[] = [];

  const deliver = (instIndex: number, hook: string, event: unknown, ctx: unknown): void => {
    const target = instances[instIndex]!;
    if (!target.hooks.has(hook)) {
      expect(fire(target, hook, event, ctx)).toEqual([]);
      return;
    }
    // The oracle first (the plugin must not be what decides what counts).
    let dup = false;
    if (typeof event === 'object' && event !== null) {
      let set = L.seen.get(hook);
      if (!set) L.seen.set(hook, (set = new WeakSet()));
      dup = set.has(event);
      set.add(event);
    }
    L.deliveries++;
    if (dup) L.duplicates++;
    else {
      const x = expectedParse(hook, event, ctx);
      // Per event, so a disagreement names the payload (the counters below are the real check).
      const parsed = parseHook(hook, event, ctx, 0);
      if ((parsed.problems.length > 0) !== x.malformed || !parsed.event !== x.rejected) {
        throw new Error(`${hook}: contract says ${JSON.stringify(x)}, parser found ${JSON.stringify(parsed.problems)} (event ${parsed.event ? 'kept' : 'rejected'}); payload ${preview({ event, ctx })}`);
      }
      L.events[hook] = (L.events[hook] ?? 0) + 1;
      if (x.malformed) L.malformed[hook] = (L.malformed[hook] ?? 0) + 1;
      if (!x.rejected) L.reachedEngine++;
    }
    // Every handler the plugin registered for the hook (the runtime's and the Dynamo side's).
    const results = fire(target, hook, event, ctx);
    if (hook === 'gateway_stop') {
      for (const r of results) expect(r).toBeInstanceOf(Promise);
      pending.push(...(results as Promise<unknown>[]));
      stopped = true;
    } else if (!results.every((r) => r === undefined)) {
      throw new Error(`${hook}: a handler returned ${String(results.find((r) => r !== undefined))}`);
    }
    delivered.push({ hook, event, ctx });
    if (delivered.length > 64) delivered.shift();
    checkCaps(p);
  };

  // Retagged copies of recorded streams; gateway_stop is the generator's business.
  const copyOf = (j: number) => freshCopy(stream.fixtures[j % stream.fixtures.length]!, `s${index}c${j}`);
  const copies = stream.fixtures.map((_, j) => copyOf(j));
  const cursors = copies.map(() => 0);
  const nextFixture = (copy: number): RecordedHook | undefined => {
    for (let i = 0; i < copies.length; i++) {
      const c = (copy + i) % copies.length;
      if (cursors[c]! < copies[c]!.length) return copies[c]![cursors[c]!++];
    }
    // All played: a fresh copy with new ids joins the interleaving.
    copies.push(copyOf(copies.length));
    cursors.push(1);
    return copies[copies.length - 1]![0];
  };

  for (let i = 0; i < stream.ops.length; i++) {
    const op = stream.ops[i]!;
    if (stream.stopAt === i) deliver(0, 'gateway_stop', { reason: 'fuzz' }, {});
    switch (op.k) {
      case 'gen':
        shape(op.event, op.shape);
        deliver(op.inst, op.hook, op.event, op.ctx);
        break;
      case 'fx': {
        const copy = op.copy % copies.length;
        let r = nextFixture(copy);
        if (!r) break;
        if (op.mutation === 'skip') break;
        if (op.mutation === 'swap') {
          const after = nextFixture(copy);
          if (after) {
            deliver(after.registrationMode === 'full' ? 0 : 1, after.hook, after.event, after.ctx);
          }
        } else mutateFixture(r, op.mutation, op.which);
        const target = (r.registrationMode === 'full' ? 0 : 1) ^ (op.flip ? 1 : 0);
        deliver(target, r.hook, r.event, r.ctx);
        r = undefined;
        break;
      }
      case 'dup':
      case 'clone':
      case 'wrong': {
        const prev = delivered[delivered.length - 1 - ((op.back - 1) % Math.max(1, delivered.length))];
        if (!prev) break;
        if (op.k === 'dup') deliver(op.inst, prev.hook, prev.event, prev.ctx);
        else if (op.k === 'wrong') deliver(op.inst, op.hook, prev.event, prev.ctx);
        else {
          let copy: unknown;
          try {
            copy = structuredClone(prev.event);
          } catch {
            break; // functions, symbols: not cloneable, nothing to deliver
          }
          deliver(op.inst, prev.hook, copy, prev.ctx);
        }
        break;
      }
      case 'unknown':
        for (const target of instances) expect(fire(target, op.name, {}, {})).toEqual([]);
        break;
    }
    // The clock moves; the runtime's timer would fire at its deadline: fire it exactly then.
    now += op.dt;
    vi.setSystemTime(now);
    if (now >= engine.nextDeadline()) rt.tick();
    checkCaps(p);
    // Let the ATIF drains and the OTLP queue work in between, as a live gateway would.
    if (i % 50 === 49) await macrotask();
  }

  const t1 = performance.now();
  // ---- status counts exactly what was fed ----
  const s = await status(p);
  const expectedEvents: Record<string, number> = {};
  for (const h of SUBSCRIBED_HOOKS) expectedEvents[h] = L.events[h] ?? 0;
  expect(diff(s.counters.hookEvents, expectedEvents), 'hook events: status vs fed').toEqual([]);
  expect(diff(s.counters.malformedEvents, L.malformed), `malformed: status vs contract; samples ${JSON.stringify(s.malformedSamples.slice(-3))}`).toEqual([]);
  expect(s.counters.malformedTotal).toBe(Object.values(L.malformed).reduce((a, b) => a + b, 0));
  expect(s.counters.duplicateDeliveries).toBe(L.duplicates);
  expect(s.counters.hookEventsTotal + s.counters.duplicateDeliveries).toBe(L.deliveries);
  expect(engine.counters.events).toBe(L.reachedEngine);
  expect(s.counters.internalErrors, JSON.stringify(s.lastInternalError)).toBe(0);
  expect(s.malformedSamples.length).toBeLessThanOrEqual(20);
  totalDeliveries += L.deliveries;
  tally.malformed += s.counters.malformedTotal;
  tally.duplicates += s.counters.duplicateDeliveries;
  tally.evicted += s.counters.sessionsEvicted;
  tally.expired += s.counters.recordsExpired;

  // ---- once the TTLs have passed, nothing is held ----
  if (!stopped) {
    now += CAPS.recordTtlMs * 7 + CAPS.sessionIdleMs + 1000;
    vi.setSystemTime(now);
    rt.tick();
    expect(engine.openRuns).toBe(0);
    expect(engine.openSessions).toBe(0);
    expect(engine.bufferedRecords).toBe(engine.sizes().pendingLineage);
  } else tally.stoppedMidStream++;

  // ---- shut down, then every file ----
  pending.push(...(fire(p.full, 'gateway_stop', { reason: 'fuzz-end' }, {}) as Promise<unknown>[]));
  const t2 = performance.now();
  await Promise.all(pending);
  // Events delivered while a mid-stream shutdown was flushing were still accepted; their
  // writes may outlive the (memoized) stop promise: let them land.
  await rt.flush();
  vi.useRealTimers();
  const t3 = performance.now();
  const atif = s.outputs.find((o) => o.name === 'atif');
  expect(atif).toBeDefined();
  const health = rt.sinkHealth();
  const atifHealth = health.find((h) => h.name === 'atif')!;
  expect(atifHealth.failures, JSON.stringify(atifHealth.lastError)).toBe(0);
  expect(atifHealth.queueDepth, JSON.stringify(atifHealth)).toBe(0);
  const otlp = health.find((h) => h.name === 'opentelemetry')!;
  expect(otlp.failures, JSON.stringify(otlp.lastError)).toBe(0);
  expect(otlp.details?.['internalErrors']).toBeUndefined();

  expect(readdirSync(root)).toEqual(readdirSync(root).length === 0 ? [] : ['out']);
  const report = inspectAtifDir(out);
  expect(report.strays).toEqual([]);
  expect(report.problems, report.problems.join("\n").slice(0, 3000)).toEqual([]);
  tally.files += report.files.length;
  if (!stopped && stream.stopAt === undefined) {
    // Nothing lost: every model call the engine saw is one agent step in exactly one file.
    const steps = [...report.docs.values()].flatMap(agentSteps).length;
    expect(steps, steps === engine.counters.llmSpans ? '' : lostCalls(report.docs, ended)).toBe(engine.counters.llmSpans);
    // ... and the engine reported every session it opened as ended.
    expect(ended.length).toBe(engine.counters.sessionsOpened);
  }
  tally.streams++;
  rmSync(root, { recursive: true, force: true });
  phases.ops += t1 - t0;
  phases.checks += t2 - t1;
  phases.stop += t3 - t2;
  phases.files += performance.now() - t3;
}
const phases = { ops: 0, checks: 0, stop: 0, files: 0 };

/** Diagnostics for a failed "nothing lost" check: roots whose file holds fewer agent steps than their model calls. */
function lostCalls(docs: Map<string, Doc>, ended: Session[]): string {
  const calls = (ss: Session): number => ss.runs.reduce((a, r) => a + r.llmCalls.length, 0) + ss.children.reduce((a, c) => a + calls(c), 0);
  const inDocs = new Map<string, number>();
  for (const doc of docs.values()) {
    const key = `${doc.extra?.openclaw?.session_key}#${doc.extra?.openclaw?.segment ?? 1}`;
    inDocs.set(key, (inDocs.get(key) ?? 0) + agentSteps(doc).length);
  }
  const lines: string[] = [];
  for (const ss of ended) {
    if (ss.parentSession) continue;
    const key = `${ss.sessionKey}#${ss.segment}`;
    if (calls(ss) > (inDocs.get(key) ?? 0)) lines.push(`${JSON.stringify(key.slice(0, 60))}: ${calls(ss)} calls, ${inDocs.get(key) ?? 0} steps (${ss.endReason}, ${ss.children.length} children)`);
  }
  return `model calls missing from ATIF:\n${lines.slice(0, 20).join('\n')}`;
}

function preview(v: unknown): string {
  try {
    return fc.stringify(v).slice(0, 3000);
  } catch {
    return '(unprintable)';
  }
}

function diff(actual: Record<string, number>, expected: Record<string, number>): string[] {
  const keys = new Set([...Object.keys(actual), ...Object.keys(expected)]);
  return [...keys].filter((k) => (actual[k] ?? 0) !== (expected[k] ?? 0)).map((k) => `${k}: ${actual[k] ?? 0} != ${expected[k] ?? 0}`);
}

/** The correlation caps, checked after every delivery. */
function checkCaps(p: Plugin): void {
  const engine = p.runtime.engine;
  const sizes = engine.sizes();
  const cap = CAPS.maxRecordsPerKey;
  if (sizes.openSessions > CAPS.maxOpenSessions) throw new Error(`open sessions ${sizes.openSessions} > ${CAPS.maxOpenSessions}`);
  if (sizes.openRuns > CAPS.maxOpenSessions * cap) throw new Error(`open runs ${sizes.openRuns} > ${CAPS.maxOpenSessions * cap}`);
  if (sizes.maxRunsPerSession > cap) throw new Error(`a session holds ${sizes.maxRunsPerSession} open runs > ${cap}`);
  if (sizes.maxPendingUser > cap) throw new Error('pendingUser over the cap');
  if (sizes.maxPendingTools > cap || sizes.maxPendingOutputs > cap) throw new Error('a run buffers more than maxRecordsPerKey records');
  const lineageCap = pendingLineageCap(cap);
  if (sizes.pendingLineage > lineageCap) throw new Error('pending lineage over its cap');
  if (sizes.bufferedRecords > lineageCap + CAPS.maxOpenSessions * cap + sizes.openRuns * 2 * cap) throw new Error('buffered records over the caps');
  if (sizes.recentRuns > RECENT_RUNS_CAP) throw new Error(`recent runs over ${RECENT_RUNS_CAP}`);
  if (sizes.finalizing > sizes.openRuns) throw new Error('finalizing holds closed runs');
  if (sizes.segments > segmentsCap(CAPS.maxOpenSessions)) throw new Error('segments over the cap');
  if (sizes.spawnedRuns > SPAWNED_RUNS_CAP) throw new Error('spawnedRuns over the cap');
  if (sizes.sessionIds > sizes.openSessions) throw new Error('keyBySessionId holds closed sessions');
  if (p.runtime.malformedSamples.length > MALFORMED_SAMPLES_CAP) throw new Error(`malformed samples over ${MALFORMED_SAMPLES_CAP}`);
}

// ---- hostile objects: getters that throw, Proxies, toJSON/toString that throw ---------------

const boom = (): never => {
  throw new Error('hostile payload');
};
type Hostile = 'proxy' | 'getter' | 'content-getter' | 'tojson' | 'toprimitive' | 'revoked';
function hostile(kind: Hostile, field: string): unknown {
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

describe('fuzzing the registered hook handlers', () => {
  it('hostile objects (throwing getters, Proxies, revoked Proxies, throwing toJSON/toString) never escape, and the runtime keeps working', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            hook: pick(GEN_HOOKS),
            kind: pick<Hostile>(['proxy', 'getter', 'content-getter', 'tojson', 'toprimitive', 'revoked']),
            field: pick(['sessionKey', 'sessionId', 'runId', 'callId', 'message', 'toolName', 'error', 'usage', 'params', 'result', 'childSessionKey']),
            inCtx: fc.boolean(),
            inst,
          }),
          { minLength: 200, maxLength: 300 },
        ),
        async (ops) => {
          const out = join(scratch('nr-hostile-'), 'out');
          const p = setupPlugin(pluginConfig(out));
          const instances = [p.full, p.discovery];
          for (const op of ops) {
            const value = hostile(op.kind, op.field);
            const results = op.inCtx ? fire(instances[op.inst]!, op.hook, { sessionKey: 'agent:main:hostile' }, value) : fire(instances[op.inst]!, op.hook, value, { sessionKey: 'agent:main:hostile' });
            expect(results.every((r) => r === undefined)).toBe(true);
          }
          p.runtime.tick();
          const before = await status(p);
          expect(before.counters.hookEventsTotal).toBe(ops.length);
          // Every hostile delivery is accounted for: malformed, an internal error, or an event the engine took.
          expect(before.counters.malformedTotal + before.counters.internalErrors).toBeGreaterThan(0);
          // Still working: a recorded turn afterwards becomes its own valid file with all its model calls.
          await play(p, freshCopy(0, 'after-hostile'));
          await stopGateway(p);
          const report = inspectAtifDir(out);
          expect(report.problems).toEqual([]);
          expect(report.strays).toEqual([]);
          const doc = [...report.docs.values()].find((d) => d.extra?.openclaw?.session_key === 'agent:main:fx-tool~after-hostile');
          expect(doc, 'the clean turn after the hostile stream').toBeDefined();
          expect(agentSteps(doc!)).toHaveLength(3);
        },
      ),
      { numRuns: 15, endOnFailure: true },
    );
  });

  it('recorded OpenClaw streams are clean by the contract (the oracle agrees with real payloads)', async () => {
    for (const name of FIXTURES) {
      for (const r of fixture(name)) {
        if (!SUBSCRIBED_HOOKS.includes(r.hook as never)) continue;
        expect(expectedParse(r.hook, r.event, r.ctx), `${name} ${r.hook}`).toEqual({ malformed: false, rejected: false });
      }
      const p = setupPlugin(pluginConfig(undefined));
      for (const r of fixture(name)) {
        const results = fire(r.registrationMode === 'full' ? p.full : p.discovery, r.hook, r.event, r.ctx);
        if (r.hook === 'gateway_stop') await Promise.all(results);
      }
      const s = await status(p);
      expect(s.counters.malformedTotal, name).toBe(0);
      expect(s.counters.internalErrors, name).toBe(0);
    }
  });

  it('>= 100,000 generated deliveries: nothing escapes, everything is counted, caps hold, every file is valid', async () => {
    const started = performance.now();
    let index = 0;
    const details = await fc.check(
      fc.asyncProperty(streamArb, async (stream) => {
        await runStream(stream, index++);
      }),
      // No shrinking: a stream is a thousand events; the seed and path replay the failure.
      { numRuns: Number(process.env.FUZZ_RUNS ?? 100), endOnFailure: true, ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED), path: process.env.FUZZ_PATH } : {}) },
    );
    if (details.failed) {
      // The counterexample itself is megabytes of text; say how to replay it instead.
      const err = details.errorInstance as Error | undefined;
      throw new Error(`fuzz stream failed (replay: FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath}): ${err?.message}\n${err?.stack ?? ''}`);
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`[fuzz] ${totalDeliveries} deliveries in ${tally.streams} streams, ${seconds.toFixed(1)} s; ${JSON.stringify(tally)} ${JSON.stringify(phases)}`);
    expect(totalDeliveries).toBeGreaterThanOrEqual(100_000);
    // The generator really reached the interesting places.
    expect(tally.malformed).toBeGreaterThan(10_000);
    expect(tally.duplicates).toBeGreaterThan(1_000);
    expect(tally.files).toBeGreaterThan(100);
    expect(tally.evicted).toBeGreaterThan(0);
    expect(tally.expired).toBeGreaterThan(0);
    expect(tally.stoppedMidStream).toBeGreaterThan(0);
  }, 240_000);
});
