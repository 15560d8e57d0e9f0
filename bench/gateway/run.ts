// Gateway mode: what the plugin adds to a real OpenClaw turn.
//
// Two isolated gateways are started once each, from the same OpenClaw install, against the
// same scripted LLM, with the same probe-tools plugin: "on" also loads this repo as the
// `nemo-relay` plugin with every output enabled (ATIF to a temp folder, OTLP gen_ai and
// OpenInference to a loopback receiver in a child process), "off" does not load it at all.
// Turns alternate between them (on/off, then off/on, ...) so drift in the machine's state
// hits both sides alike, and each turn is a tool-call turn like the replayed recording.
//
// A turn is POST /v1/chat/completions on the gateway, timed on the client. That runs a full
// agent turn inside the gateway (every run, model-call, tool and message hook; no session
// hooks). The `openclaw agent` CLI path would add 15-25 s of CLI start-up per turn, noise
// that is 100x the effect measured here. Between turns the bench waits `gapMs`, longer than
// the plugin's OTLP batch delay, so one side's background export never lands in the other
// side's next turn.

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { OpenClawHarness, PROBE_TOOLS_PLUGIN_DIR, REPO_ROOT } from '../../scripts/lib/openclaw-harness.ts';
import { startScriptedLlm } from '../../scripts/lib/scripted-llm.ts';
import { ALL_OUTPUTS, guideConfig, OTLP_OUTPUTS, type OutputName } from '../config.ts';
import { startReceiverProcess } from '../receiver/client.ts';
import { table } from '../report/table.ts';
import { snapshotPlugin, type PluginSnapshot } from './snapshot.ts';
import type { GatewayFigures } from '../report/targets.ts';

export interface GatewayOptions {
  turns: number;
  /** 'snapshot' (default): a frozen copy of the plugin's files; 'repo': the repo root itself. */
  pluginSource?: 'snapshot' | 'repo';
  warmupTurns?: number;
  gapMs?: number;
  message?: string;
  /** Outputs switched on in the "on" gateway (default all). */
  outputs?: readonly OutputName[];
  log: (s: string) => void;
}

export interface SideStats {
  turns: number[];
  median: number;
  mean: number;
  p90: number;
  min: number;
  max: number;
}

export interface GatewayResult {
  summary: GatewayFigures & {
    medianOffMs: number;
    medianOnMs: number;
    meanAddedMs: number;
    medianPairedAddedMs: number;
    /** Half-width of a 95% interval of the mean paired difference (normal approximation): the noise floor. */
    ci95Ms: number;
    /** 95% bootstrap interval of the median paired difference, ms. */
    medianCi95Ms: [number, number];
  };
  on: SideStats;
  off: SideStats;
  /** on - off per alternation pair, ms. */
  paired: number[];
  evidence: { atifFiles: number; spansReceived: Record<string, number>; llmCalls: number };
  readyMs: { on: number; off: number };
  table: string;
  method: string;
}

const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d;

function stats(xs: number[]): SideStats {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? NaN;
  const median = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return {
    turns: xs.map((x) => round(x, 2)),
    median: round(median, 2),
    mean: round(xs.reduce((a, b) => a + b, 0) / xs.length, 2),
    p90: round(q(0.9), 2),
    min: round(s[0] ?? NaN, 2),
    max: round(s[s.length - 1] ?? NaN, 2),
  };
}

function atifFiles(dir: string): number {
  return readdirSync(dir).filter((f) => f.endsWith('.json')).length;
}

/** The plugin's load error from the gateway's log, if it logged one. */
function loadError(h: OpenClawHarness): string | undefined {
  const line = h
    .logTail(200_000)
    .split('\n')
    .reverse()
    .find((l) => l.includes('nemo-relay') && /fail|error/i.test(l));
  const m = line ? /nemo-relay[^"]*?(Error: [^"\\]+)/.exec(line) : null;
  return m?.[1] ?? line?.slice(0, 300);
}

/**
 * 95% percentile-bootstrap interval of the median, with a fixed-seed generator so the same
 * turns always give the same interval.
 */
function bootstrapMedian(xs: number[], rounds = 4000): [number, number] {
  let seed = 0x2545f491;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const meds: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const sample = xs.map(() => xs[Math.floor(rand() * xs.length)]!);
    meds.push(median(sample));
  }
  meds.sort((a, b) => a - b);
  return [meds[Math.floor(rounds * 0.025)]!, meds[Math.ceil(rounds * 0.975) - 1]!];
}

function median(xs: number[]): number {
  return stats(xs).median;
}

export async function runGatewayBench(o: GatewayOptions): Promise<GatewayResult> {
  const turns = Math.max(1, o.turns);
  // OpenClaw's own first turns are slow and erratic (JIT, lazy loading, caches): skip them.
  const warmup = o.warmupTurns ?? 8;
  const gapMs = o.gapMs ?? 1500;
  const message = o.message ?? 'please call:probe_echo now';
  const llm = await startScriptedLlm();
  const receiver = await startReceiverProcess([...OTLP_OUTPUTS]);
  const atifDir = mkdtempSync(join(tmpdir(), 'nemo-relay-bench-gw-atif-'));
  const outputs = o.outputs ?? ALL_OUTPUTS;
  const config = guideConfig({ atifDir, opentelemetryUrl: receiver.urls.opentelemetry!, openinferenceUrl: receiver.urls.openinference!, ...(receiver.urls['signals'] ? { signalsOrigin: receiver.urls['signals'] } : {}), enabled: outputs });
  const probe = { id: 'probe-tools', path: PROBE_TOOLS_PLUGIN_DIR };
  const snapshot: PluginSnapshot | undefined = o.pluginSource === 'repo' ? undefined : snapshotPlugin(REPO_ROOT);
  const pluginPath = snapshot?.dir ?? REPO_ROOT;
  o.log(`gateway: nemo-relay loaded from ${pluginPath}${snapshot ? ` (a copy of ${REPO_ROOT} taken now)` : ''}`);
  const on = await OpenClawHarness.create({ llmBaseUrl: llm.baseUrl, plugins: [probe, { id: 'nemo-relay', path: pluginPath, config }] });
  const off = await OpenClawHarness.create({ llmBaseUrl: llm.baseUrl, plugins: [probe] });
  try {
    // One after the other: two cold starts at once on two cores would each take twice as long.
    o.log('gateway: starting "on" (nemo-relay loaded) ...');
    const readyOn = (await on.startGateway()).readyMs;
    o.log(`gateway: "on" ready in ${readyOn} ms; starting "off" ...`);
    const readyOff = (await off.startGateway()).readyMs;
    o.log(`gateway: "off" ready in ${readyOff} ms`);

    let n = 0;
    const turn = async (h: OpenClawHarness, side: string): Promise<number> => {
      const key = `bench-${side}-${n++}`;
      const t0 = performance.now();
      const r = await h.chatCompletion({ message, sessionKey: key, timeoutMs: 120_000 });
      const ms = performance.now() - t0;
      if (r.status !== 200) throw new Error(`gateway ${side}: turn failed with HTTP ${r.status}: ${r.text.slice(0, 500)}\n${h.logTail(3000)}`);
      return ms;
    };

    // The measurement means nothing unless "on" really runs the plugin. OpenClaw refuses a
    // plugin whose source changes while it loads (other work in this tree may be editing
    // it), so check for the plugin's output after the warm-up and restart "on" if needed.
    let readyOnTotal = readyOn;
    for (let attempt = 1; ; attempt++) {
      for (let i = 0; i < warmup; i++) {
        await turn(on, 'on');
        await sleep(gapMs);
        await turn(off, 'off');
        await sleep(gapMs);
      }
      // With ATIF on, its files prove it; otherwise the plugin's own status must show the turns' hooks.
      if (outputs.includes('atif') ? atifFiles(atifDir) > 0 : await sawHooks(on)) break;
      const why = loadError(on);
      if (attempt >= 3) throw new Error(`gateway: nemo-relay produced no output on the "on" gateway after ${attempt} starts${why ? `: ${why}` : ''}`);
      o.log(`gateway: nemo-relay is not running on "on"${why ? ` (${why})` : ''}; restarting it (attempt ${attempt + 1}/3) ...`);
      await on.stopGateway('SIGTERM');
      readyOnTotal = (await on.startGateway()).readyMs;
    }
    const onMs: number[] = [];
    const offMs: number[] = [];
    for (let i = 0; i < turns; i++) {
      const order: [OpenClawHarness, string, number[]][] = i % 2 === 0 ? [[on, 'on', onMs], [off, 'off', offMs]] : [[off, 'off', offMs], [on, 'on', onMs]];
      for (const [h, side, list] of order) {
        list.push(await turn(h, side));
        await sleep(gapMs);
      }
      o.log(`gateway: turn ${i + 1}/${turns}: on ${round(onMs[i]!)} ms, off ${round(offMs[i]!)} ms`);
    }

    // Evidence that "on" really ran the plugin with its outputs.
    const counts = await receiver.counts();
    const files = atifFiles(atifDir);

    const paired = onMs.map((v, i) => v - offMs[i]!);
    const onS = stats(onMs);
    const offS = stats(offMs);
    const addedMedian = median(paired);
    const overheadPct = (addedMedian / offS.median) * 100;
    const meanDiff = paired.reduce((a, b) => a + b, 0) / paired.length;
    const sd = Math.sqrt(paired.reduce((a, b) => a + (b - meanDiff) ** 2, 0) / Math.max(1, paired.length - 1));
    const summary = {
      // Every output that is on produced something (with none on, nothing can be shown).
      valid: (!outputs.includes('atif') || files > 0) && OTLP_OUTPUTS.every((n) => !outputs.includes(n) || (counts[n]?.spans ?? 0) > 0),
      allOutputs: ALL_OUTPUTS.every((n) => outputs.includes(n)),
      ci95Ms: round((1.96 * sd) / Math.sqrt(paired.length), 2),
      medianCi95Ms: bootstrapMedian(paired).map((v) => round(v, 2)) as [number, number],
      turnsPerSide: turns,
      overheadPct: round(overheadPct, 2),
      addedMsPerTurn: round(addedMedian, 2),
      medianOffMs: offS.median,
      medianOnMs: onS.median,
      meanAddedMs: round(onS.mean - offS.mean, 2),
      medianPairedAddedMs: round(addedMedian, 2),
    };
    const t = table(
      ['side', 'turns', 'median ms', 'mean ms', 'p90 ms', 'min ms', 'max ms'],
      [
        ['off (no plugin)', turns, offS.median, offS.mean, offS.p90, offS.min, offS.max],
        [`on (nemo-relay, ${outputs.length === ALL_OUTPUTS.length ? 'all outputs' : outputs.length ? outputs.join('+') : 'no outputs'})`, turns, onS.median, onS.mean, onS.p90, onS.min, onS.max],
      ],
      [false, true, true, true, true, true, true],
    );
    const spansReceived = Object.fromEntries(Object.entries(counts).map(([k, c]) => [k, c.spans]));
    return {
      summary,
      on: onS,
      off: offS,
      paired: paired.map((v) => round(v, 2)),
      evidence: { atifFiles: files, spansReceived, llmCalls: llm.chatRequests().length },
      readyMs: { on: readyOnTotal, off: readyOff },
      table:
        `${t}\nadded per turn: median of paired differences ${summary.medianPairedAddedMs} ms (${summary.overheadPct}% of the off median), difference of means ${summary.meanAddedMs} ms (95% interval of the mean difference +/- ${summary.ci95Ms} ms; of the median ${summary.medianCi95Ms[0]} .. ${summary.medianCi95Ms[1]} ms)\n` +
        `evidence: ${files} ATIF files, spans received ${JSON.stringify(spansReceived)}, ${llm.chatRequests().length} LLM calls`,
      method: `plugin from ${snapshot ? 'a snapshot of the repo' : 'the repo root'}; POST /v1/chat/completions "${message}" per turn, ${warmup} warm-up turns per side, alternating order, ${gapMs} ms gap after every turn`,
    };
  } finally {
    await Promise.allSettled([on.cleanup(), off.cleanup()]);
    await receiver.close();
    await llm.close();
    rmSync(atifDir, { recursive: true, force: true });
    snapshot?.remove();
  }
}

/** nemoRelay.status of the gateway counts hook events: the plugin is loaded and receiving. */
async function sawHooks(h: OpenClawHarness): Promise<boolean> {
  const r = await h.gatewayCall<{ counters?: { hookEventsTotal?: number } }>('nemoRelay.status', undefined, { timeoutMs: 60_000 });
  return (r.json?.counters?.hookEventsTotal ?? 0) > 0;
}
