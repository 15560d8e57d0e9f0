// Shared by the hardening tests: plugin setup through the stand-in host (both registration
// instances, one shared runtime), configs, and checks of an ATIF output directory.

import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { validateAtif } from '../../../src/outputs/atif/validate.ts';
import { registerNemoRelay, STATUS_METHOD, type PluginApi } from '../../../src/plugin.ts';
import { resetSharedRuntime } from '../../../src/runtime/global.ts';
import type { Runtime } from '../../../src/runtime/runtime.ts';
import type { StatusPayload } from '../../../src/status/status.ts';
import { callMethod, fakeInstance, fire, type FakeInstance } from '../../support/fake-host.ts';
import { readRecording, type RecordedHook } from '../../support/replay.ts';

const statusSchema = JSON.parse(readFileSync(new URL('../../../schemas/status.schema.json', import.meta.url), 'utf8'));
export const validateStatus = new Ajv2020({ allErrors: true, strict: false, validateFormats: false }).compile(statusSchema);

export const fixture = (name: string): RecordedHook[] => readRecording(new URL(`../../../fixtures/${name}`, import.meta.url).pathname);

const scratches: string[] = [];

/** A fresh temp folder; on /dev/shm when there is one (fsync there costs nothing). */
export function scratch(prefix: string): string {
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(base, prefix));
  scratches.push(dir);
  return dir;
}

const runtimes: Runtime[] = [];

/**
 * Stops every runtime a test set up (their timers would write into folders removed next),
 * then removes every scratch folder made so far. Call from afterAll.
 */
export async function removeScratch(): Promise<void> {
  await Promise.all(runtimes.splice(0).map((r) => r.stop('test_end', 2000)));
  for (const dir of scratches.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface Plugin {
  full: FakeInstance;
  discovery: FakeInstance;
  runtime: Runtime;
}

/** registerNemoRelay on a "full" and a "discovery" instance, as a gateway does; one runtime. */
export function setupPlugin(config: unknown, opts: { allowInvalid?: boolean } = {}): Plugin {
  resetSharedRuntime();
  const full = fakeInstance('full', config);
  const discovery = fakeInstance('discovery', config);
  const runtime = registerNemoRelay(full.api as unknown as PluginApi);
  const again = registerNemoRelay(discovery.api as unknown as PluginApi);
  if (again !== runtime) throw new Error('instances did not share the runtime');
  runtimes.push(runtime);
  // A test config the plugin rejects would silently test nothing.
  if (runtime.loaded.invalid && !opts.allowInvalid) throw new Error(`test config rejected: ${JSON.stringify(runtime.loaded.issues)}`);
  return { full, discovery, runtime };
}

export async function status(p: Plugin): Promise<StatusPayload> {
  const res = await callMethod(p.full, STATUS_METHOD);
  if (!res.ok) throw new Error('nemoRelay.status failed');
  if (!validateStatus(res.payload)) throw new Error(`status does not match its schema: ${JSON.stringify(validateStatus.errors)}`);
  return res.payload as StatusPayload;
}

/** Delivers a recorded stream as a gateway does: gateway/session hooks on "full", the rest on "discovery". */
export async function play(p: Plugin, records: RecordedHook[], opts: { skipStop?: boolean } = {}): Promise<void> {
  for (const r of records) {
    if (opts.skipStop && r.hook === 'gateway_stop') continue;
    const target = r.registrationMode === 'full' ? p.full : p.discovery;
    const results = fire(target, r.hook, r.event, r.ctx);
    if (r.hook === 'gateway_stop') await Promise.all(results);
    else if (!results.every((x) => x === undefined)) throw new Error(`${r.hook} handler returned a value`);
  }
}

/**
 * One complete model call of run `runId` in session `sessionKey`, as OpenClaw delivers it.
 * Returns the slowest handler time (ms); throws if a handler returned something.
 */
export function turn(p: Plugin, sessionKey: string, runId: string, opts: { sessionId?: string; prompt?: string; text?: string } = {}): number {
  const ctx = { sessionKey, agentId: 'main', ...(opts.sessionId ? { sessionId: opts.sessionId } : {}) };
  const ids = { runId, sessionKey, ...(opts.sessionId ? { sessionId: opts.sessionId } : {}) };
  let slowest = 0;
  const send = (hook: string, event: unknown, c: unknown) => {
    const t = performance.now();
    const results = fire(p.discovery, hook, event, c);
    slowest = Math.max(slowest, performance.now() - t);
    if (!results.every((r) => r === undefined)) throw new Error(`${hook} handler returned a value`);
  };
  send('llm_input', { ...ids, prompt: opts.prompt ?? 'hi', systemPrompt: 'sys', provider: 'p', model: 'm' }, ctx);
  send('model_call_started', { ...ids, callId: `${runId}:model:1`, provider: 'p', model: 'm' }, ctx);
  send('model_call_ended', { ...ids, callId: `${runId}:model:1`, durationMs: 5, outcome: 'completed' }, ctx);
  send('before_message_write', { message: { role: 'assistant', content: [{ type: 'text', text: opts.text ?? 'hello' }], stopReason: 'stop', timestamp: Date.now(), responseId: `resp-${runId}`, usage: { input: 10, output: 2, totalTokens: 12 } } }, { sessionKey, agentId: 'main' });
  send('agent_end', { ...ids, success: true, durationMs: 6 }, ctx);
  send('llm_output', { ...ids, usage: { input: 10, output: 2, total: 12 } }, ctx);
  return slowest;
}

export async function stopGateway(p: Plugin, reason = 'test'): Promise<void> {
  const results = fire(p.full, 'gateway_stop', { reason }, {});
  await Promise.all(results);
}

export interface AtifConfigOptions {
  capture?: Record<string, unknown>;
  correlation?: Record<string, unknown>;
  otlp?: Record<string, unknown>;
  openinference?: Record<string, unknown>;
  atif?: Record<string, unknown>;
}

export function pluginConfig(atifDir: string | undefined, o: AtifConfigOptions = {}): Record<string, unknown> {
  return {
    plugins: {
      version: 1,
      components: [
        {
          kind: 'observability',
          config: {
            version: 1,
            ...(atifDir !== undefined ? { atif: { enabled: true, output_directory: atifDir, ...o.atif } } : {}),
            ...(o.otlp ? { opentelemetry: { enabled: true, scheduled_delay_millis: 20, ...o.otlp } } : {}),
            ...(o.openinference ? { openinference: { enabled: true, scheduled_delay_millis: 20, ...o.openinference } } : {}),
          },
        },
      ],
    },
    capture: { stripToolArgs: false, stripToolResults: false, ...o.capture },
    ...(o.correlation ? { correlation: o.correlation } : {}),
  };
}

export type Doc = Record<string, any>;
export const allTrajectories = (doc: Doc): Doc[] => [doc, ...((doc.subagent_trajectories ?? []) as Doc[]).flatMap(allTrajectories)];
export const agentSteps = (doc: Doc): Doc[] => allTrajectories(doc).flatMap((t) => t.steps.filter((s: Doc) => s.source === 'agent'));

export interface AtifDirReport {
  files: string[];
  docs: Map<string, Doc>;
  /** Anything in the folder that is not a finished trajectory file (temp files, sub-folders). */
  strays: string[];
  problems: string[];
}

/**
 * Reads every entry of an ATIF output folder and checks it: plain `*.json` files with safe
 * names, mode 0600, valid JSON and valid ATIF. Returns what was found and every problem.
 */
export function inspectAtifDir(dir: string): AtifDirReport {
  const report: AtifDirReport = { files: [], docs: new Map(), strays: [], problems: [] };
  if (!existsSync(dir)) return report;
  const mode = lstatSync(dir).mode & 0o777;
  if (mode !== 0o700) report.problems.push(`folder mode ${mode.toString(8)}`);
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    const st = lstatSync(full);
    // Names are sanitized to [A-Za-z0-9._-] and never start with a dot (a session id of "."
    // gives "_..json"); the writer's temp files and journals are dot files.
    if (!st.isFile() || !/^[A-Za-z0-9_-][A-Za-z0-9._-]*\.json$/.test(name)) {
      report.strays.push(name);
      continue;
    }
    report.files.push(name);
    if ((st.mode & 0o777) !== 0o600) report.problems.push(`${name}: mode ${(st.mode & 0o777).toString(8)}`);
    let doc: Doc;
    try {
      doc = JSON.parse(readFileSync(full, 'utf8')) as Doc;
    } catch (err) {
      report.problems.push(`${name}: not JSON: ${String(err)}`);
      continue;
    }
    const v = validateAtif(doc);
    if (!v.valid) report.problems.push(`${name}: invalid ATIF: ${JSON.stringify(v.errors.slice(0, 3))}`);
    report.docs.set(name, doc);
  }
  return report;
}

/** Polls `check` until it holds. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  // performance.now, not Date.now: some tests fake the Date clock.
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const macrotask = (): Promise<void> => new Promise((r) => setImmediate(r));
