// `npm run bench`: the plugin's hook path under load (replay mode, default) and its cost
// in a real OpenClaw gateway turn (`-- --gateway`). See bench/ for the pieces and the
// methods; results go to bench/results/*.json and the terminal.

import { runOpenSessionsBench } from '../bench/open-sessions/run.ts';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { parseCli, USAGE, type BenchOptions } from '../bench/cli.ts';
import { exportTable, FLAT_RATIO_TARGET, runExportBench } from '../bench/export/run.ts';
import { runGatewayBench, type GatewayResult } from '../bench/gateway/run.ts';
import { summarizeProfile, type ProfileSummary } from '../bench/report/profile.ts';
import { hookTable, profileTable, replayTable, targetTable } from '../bench/report/table.ts';
import { checkTargets, type ReplayPair } from '../bench/report/targets.ts';
import { spawnScenario } from '../bench/replay/spawn.ts';
import { machineJitter, type Jitter } from '../bench/replay/jitter.ts';
import type { ScenarioOptions, ScenarioResult } from '../bench/replay/scenario.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(REPO);

const log = (s = '') => process.stdout.write(`${s}\n`);

interface ProfileViews {
  file: string;
  /** Whether the measured figures of that scale came from this profiled run. */
  measuredRun: boolean;
  hookPath: ProfileSummary;
  replay: ProfileSummary;
  drain: ProfileSummary;
}

function profileViews(file: string, w: ScenarioResult['window'], measuredRun: boolean): ProfileViews {
  return {
    file,
    measuredRun,
    // Only samples inside the plugin's hook handlers: the cost a host pays per hook call.
    hookPath: summarizeProfile(file, { window: { fromUs: w.replayStartUs, toUs: w.replayEndUs }, underFile: 'src/plugin.ts' }, 40),
    // Everything during the replay: handlers plus the background export work in between.
    replay: summarizeProfile(file, { window: { fromUs: w.replayStartUs, toUs: w.replayEndUs } }, 40),
    drain: summarizeProfile(file, { window: { fromUs: w.replayEndUs, toUs: w.drainEndUs } }, 40),
  };
}

async function replay(o: BenchOptions): Promise<{ pairs: ReplayPair[]; profile?: ProfileViews }> {
  const pairs: ReplayPair[] = [];
  const biggest = [...o.scales].sort((a, b) => b.sessions * b.runs - a.sessions * a.runs)[0];
  const profileDir = join(REPO, 'bench/results/prof');
  // Only the newest profile is kept (each is several MB; bench/.gitignore keeps them out of git).
  rmSync(profileDir, { recursive: true, force: true });
  let profile: ProfileViews | undefined;
  for (const scale of o.scales) {
    const label = `${scale.sessions}x${scale.runs}`;
    const base: Omit<ScenarioOptions, 'plugin'> = {
      sessions: scale.sessions,
      runs: scale.runs,
      warmupSessions: o.warmup,
      yieldEvery: o.yieldEvery,
      fixture: o.fixture,
      drainTimeoutMs: o.drainTimeoutMs,
      outputs: o.outputs,
    };
    const t0 = Date.now();
    const floor = (await spawnScenario({ ...base, plugin: 'floor' })).result;
    log(`replay ${label}: floor done (${Math.round((Date.now() - t0) / 1000)} s)`);
    // A replay at 200 sessions lasts ~0.1 s: one run is at the mercy of the machine's noise.
    // Several, each in a fresh process; the median one (by events/s) is reported whole.
    const profiled = o.profile === 'measured' && scale === biggest;
    const results: ScenarioResult[] = [];
    // With one run, that run is profiled ("measured"); with more, the profile comes from an
    // extra run that is not ranked (sampling slows every call a little).
    const total = o.repeat + (profiled && o.repeat > 1 ? 1 : 0);
    for (let i = 0; i < total; i++) {
      const t1 = Date.now();
      const withProfile = profiled && i === total - 1;
      const run = await spawnScenario({ ...base, plugin: 'nemo-relay' }, withProfile ? { profileDir, profileIntervalUs: 1000 } : {});
      log(`replay ${label}: nemo-relay run ${i + 1}/${total} done (${Math.round((Date.now() - t1) / 1000)} s${withProfile ? ', profiled' : ''})`);
      if (run.profile) profile = profileViews(run.profile, run.result.window, o.repeat === 1);
      if (!withProfile || o.repeat === 1) results.push(run.result);
    }
    const ranked = [...results].sort((a, b) => a.replay.eventsPerSec - b.replay.eventsPerSec);
    const chosen = ranked[Math.floor((ranked.length - 1) / 2)]!;
    if (results.length > 1) log(`replay ${label}: events/s of the ${results.length} runs ${results.map((x) => x.replay.eventsPerSec).join(', ')}; reporting the median one`);
    pairs.push({ scale: label, sessions: scale.sessions, runs: scale.runs, floor, plugin: chosen, repeats: results.map((x) => x.replay.eventsPerSec), rssGrowthRepeats: results.map((x) => x.memory.rssGrowthMB) });
  }
  if (o.profile === 'separate' && biggest) {
    // Profiling slows every call a little, so this run's figures are not the measured ones.
    const t0 = Date.now();
    const run = await spawnScenario(
      { sessions: biggest.sessions, runs: biggest.runs, warmupSessions: o.warmup, yieldEvery: o.yieldEvery, fixture: o.fixture, drainTimeoutMs: o.drainTimeoutMs, outputs: o.outputs, plugin: 'nemo-relay' },
      { profileDir, profileIntervalUs: 1000 },
    );
    log(`profile ${biggest.sessions}x${biggest.runs}: done (${Math.round((Date.now() - t0) / 1000)} s)`);
    if (run.profile) profile = profileViews(run.profile, run.result.window, false);
  }
  return profile ? { pairs, profile } : { pairs };
}

async function main(): Promise<void> {
  const o = parseCli(process.argv.slice(2));
  if (o.help) {
    log(USAGE);
    return;
  }
  const started = Date.now();
  const round2 = (v: number) => Math.round(v * 100) / 100;
  const machine = {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memGB: Math.round(totalmem() / 2 ** 30),
    loadavgStart: loadavg().map(round2),
    loadavgEnd: [] as number[],
    /** A 5 us busy-wait timed like a handler call, before and after the runs (bench/replay/jitter.ts). */
    jitter: [] as Jitter[],
  };
  log(`nemo-relay bench: Node ${machine.node}, ${machine.cpus} cores, ${machine.memGB} GB, load average ${machine.loadavgStart.join(' ')}`);

  if (o.scenario === 'open-sessions') {
    const fixture = o.fixture === 'fixtures/gateway-tool-call.jsonl' ? 'fixtures/http-chat-completions.jsonl' : o.fixture;
    const os = await runOpenSessionsBench({ sessions: o.openSessions, fixture, log });
    machine.loadavgEnd = loadavg().map(round2);
    log(`\nOpen sessions: ${os.sessions} (${os.openSessions} still open, ${os.openRuns} runs unfinished, ${os.atifFiles} ATIF files), ATIF on`);
    log(`floor heap ${os.floorHeapMB} MB; retained over it ${os.retainedHeapMB} MB = ${os.retainedToFloor} x the floor, ${os.bytesPerSession} bytes per open session; ${os.ms} ms`);
    log(`outside the heap: external (Buffers) +${os.retainedExternalMB} MB, RSS +${os.retainedRssMB} MB over the floor`);
    log(`Target: retained heap <= ${os.targetMB} MB: ${os.pass ? 'PASS' : 'FAIL'}`);
    const out = { generatedAt: new Date().toISOString(), durationS: Math.round((Date.now() - started) / 1000), machine, options: o, openSessions: os };
    mkdirSync(dirname(resolve(o.out)), { recursive: true });
    writeFileSync(o.out, `${JSON.stringify(out, null, 2)}\n`);
    log(`\nwrote ${o.out} (${out.durationS} s)`);
    return;
  }

  if (o.scenario === 'export') {
    const ex = await runExportBench({ counts: o.exportFiles, format: o.exportFormat, log });
    machine.loadavgEnd = loadavg().map(round2);
    log(`\nExport: nemo-relay export --format ${ex.format} --include-subagents --split train=0.9,val=0.1 --with-metadata, each count in a fresh process`);
    log(exportTable(ex));
    const [a, b] = [ex.runs[0]!, ex.runs[ex.runs.length - 1]!];
    log(`\nTarget: flat memory, peak RSS growth at ${b.files} files / at ${a.files} files, young generation fixed = ${ex.rssGrowthRatio} (<= ${FLAT_RATIO_TARGET}): ${ex.pass ? 'PASS' : 'FAIL'}`);
    log(`(with V8's defaults the same ratio is ${ex.rssGrowthRatioV8Defaults}: see bench/README.md, export scenario)`);
    const out = { generatedAt: new Date().toISOString(), durationS: Math.round((Date.now() - started) / 1000), machine, options: o, export: ex };
    mkdirSync(dirname(resolve(o.out)), { recursive: true });
    writeFileSync(o.out, `${JSON.stringify(out, null, 2)}\n`);
    log(`\nwrote ${o.out} (${out.durationS} s)`);
    return;
  }

  if (o.replay) machine.jitter.push(machineJitter());
  const r = o.replay ? await replay(o) : undefined;
  if (o.replay) machine.jitter.push(machineJitter());
  let gateway: GatewayResult | undefined;
  if (o.gateway) gateway = await runGatewayBench({ turns: o.turns, pluginSource: o.pluginSource, outputs: o.outputs, log });

  machine.loadavgEnd = loadavg().map(round2);
  const pairs = r?.pairs ?? [];
  const checks = checkTargets(pairs, gateway?.summary, o.gateway);

  if (r) {
    const on = pairs[0]?.plugin.options.outputs ?? [];
    log(`\nReplay: one recorded tool-call turn (fixtures), N sessions x M runs, interleaved; outputs on: ${on.length > 0 ? on.join(', ') : 'none'}`);
    log(replayTable(pairs));
    if (machine.jitter.length > 0) {
      const j = machine.jitter.map((x) => `p99 ${x.p99} us, ${x.over45} of ${x.calls.toLocaleString('en-US')} over 45 us`).join('; after: ');
      log(`The machine's own stalls: a ${machine.jitter[0]!.spinUs} us busy-wait timed like a handler call, before the runs: ${j}`);
    }
    const young = pairs.map((p) => p.plugin.memory.youngGeneration).filter((y) => y !== undefined);
    if (young.length > 0) {
      const y = young[young.length - 1]!;
      log(
        y.touched
          ? `V8 young generation (nemo-relay, ${pairs[pairs.length - 1]!.scale}): ${y.capacityMB} MB, resident ${y.physicalBeforeMB} -> ${y.physicalAfterMB} MB before the baseline, as in a running gateway (BENCH_YOUNG_TOUCH=0: without)`
          : `V8 young generation (nemo-relay, ${pairs[pairs.length - 1]!.scale}): ${y.capacityMB} MB, ${y.physicalBeforeMB} MB resident, NOT touched before the baseline (BENCH_YOUNG_TOUCH=0)`,
      );
    }
    const focus = pairs.find((p) => p.sessions === 2000) ?? pairs[pairs.length - 1];
    if (focus) {
      log(`\nPer hook, nemo-relay at ${focus.scale} (sorted by total time in handlers)`);
      log(hookTable(focus));
      const d = focus.plugin.drain;
      log(`\nDrain at ${focus.scale} after the last handler returned: stop ${d.stopMs} ms, ATIF written ${d.atifMs} ms, spans received ${Number.isNaN(d.spansMs) ? 'never (incomplete)' : `${d.spansMs} ms`}`);
      log(`Replay wall ${focus.plugin.replay.wallMs} ms = handlers ${focus.plugin.replay.handlerMs} ms + background/yields ${focus.plugin.replay.outsideMs} ms (floor: ${focus.floor.replay.handlerMs} + ${focus.floor.replay.outsideMs})`);
    }
    if (r.profile) {
      log(`\nCPU profile ${r.profile.file}${r.profile.measuredRun ? ' (taken in the measured run above: 1 ms sampling; --profile separate for unprofiled figures)' : ''}`);
      log(`Samples inside the hook handlers during the replay, ${r.profile.hookPath.sampledMs} ms:`);
      log(profileTable(r.profile.hookPath));
      log(`\nCPU profile, whole replay window ${r.profile.replay.windowMs} ms (handlers + background export work):`);
      log(profileTable(r.profile.replay));
      log(`\nCPU profile, drain window ${r.profile.drain.windowMs} ms:`);
      log(profileTable(r.profile.drain, 15));
    }
  }
  if (gateway) {
    log('\nGateway: real OpenClaw turns, plugin on vs off');
    log(gateway.table);
  }
  // At start the load is other work only; later it includes this bench's own processes.
  const busy = machine.loadavgStart[0] ?? 0;
  if (busy > machine.cpus * 0.75) {
    log(`\nNOTE: the machine was busy with other work when the bench started (1-min load average ${busy} on ${machine.cpus} cores): the figures above are pessimistic and noisy.`);
  }
  log('\nTargets');
  log(targetTable(checks));

  const out = {
    generatedAt: new Date().toISOString(),
    durationS: Math.round((Date.now() - started) / 1000),
    machine,
    options: o,
    targets: checks,
    replay: r ? { pairs, profile: r.profile } : undefined,
    gateway,
  };
  mkdirSync(dirname(resolve(o.out)), { recursive: true });
  writeFileSync(o.out, `${JSON.stringify(out, null, 2)}\n`);
  log(`\nwrote ${o.out} (${out.durationS} s)`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
