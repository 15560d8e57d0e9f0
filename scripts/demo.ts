// npm run demo: the whole product in one minute or two, with nothing to configure.
// Starts a scripted OpenAI-compatible LLM and an OTLP receiver on 127.0.0.1, a real OpenClaw
// gateway (isolated in a temp folder) with this plugin loaded from the checkout, runs an agent
// session with a tool call and a subagent, then prints nemoRelay.status, the ATIF files and
// the span tree, and shuts everything down. Exits non-zero if any output is missing or invalid.

import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateAtif } from '../src/outputs/atif/validate.ts';
import { formatUsd } from '../src/cli/money.ts';
import { renderStatus } from '../src/cli/status-render.ts';
import type { StatusPayload } from '../src/status/status.ts';
import { agentReplyText, isSupportedNode, OpenClawHarness, PLUGIN_DIR, PROBE_TOOLS_PLUGIN_DIR, waitFor } from './lib/openclaw-harness.ts';
import { renderSpanTree, startOtlpReceiver } from './lib/otlp-receiver.ts';
import { relayConfig } from './lib/plugin-config.ts';
import { startScriptedLlm } from './lib/scripted-llm.ts';

type Doc = Record<string, any>;

const say = (line = '') => process.stdout.write(`${line}\n`);
const step = (line: string) => say(`\n== ${line}`);

async function main(): Promise<number> {
  if (!isSupportedNode(process.version)) {
    say(`OpenClaw 2026.9.x needs Node >= 24.16 (<25) or >= 26.1; this is ${process.version}.`);
    return 2;
  }
  const outDir = mkdtempSync(join(tmpdir(), 'nemo-relay-demo-'));
  const atifDir = join(outDir, 'atif');
  step('starting a scripted LLM and an OTLP receiver on 127.0.0.1');
  const llm = await startScriptedLlm();
  const receiver = await startOtlpReceiver();
  say(`scripted LLM  ${llm.baseUrl}`);
  say(`OTLP receiver ${receiver.url}`);

  const harness = await OpenClawHarness.create({
    llmBaseUrl: llm.baseUrl,
    plugins: [
      {
        id: 'nemo-relay',
        path: PLUGIN_DIR,
        // Tool arguments and results are stripped by default; the demo shows them.
        config: relayConfig({
          atifDir,
          opentelemetry: { endpoint: receiver.url, serviceName: 'openclaw-demo', scheduledDelayMillis: 200 },
          openinference: { endpoint: receiver.url, serviceName: 'openclaw-demo-oi', projectName: 'openclaw-demo', scheduledDelayMillis: 200 },
          adaptive: true,
          keepToolContent: true,
        }),
      },
      { id: 'probe-tools', path: PROBE_TOOLS_PLUGIN_DIR },
    ],
  });
  let failures = 0;
  try {
    step(`starting the OpenClaw gateway on 127.0.0.1:${harness.port} (takes ~30 s, longer on a busy machine)`);
    // Minutes, not seconds, on a busy two-core machine: waiting beats failing the demo.
    const ready = await harness.startGateway({ timeoutMs: 300_000 });
    say(`ready after ${(ready.readyMs / 1000).toFixed(1)} s`);
    // A plugin that fails to load does not stop the gateway: check it is live before any turn.
    const probe = await statusCall(harness);
    if (probe.exitCode !== 0 || !probe.json) {
      throw new Error(`nemo-relay is not loaded in the gateway: ${probe.stderr.slice(-1500)}\n${harness.logTail(3000)}`);
    }

    const turns: [string, string][] = [
      ['demo', 'please call:probe_echo now'],
      ['demo', 'please call:sessions_spawn now'],
    ];
    for (const [key, message] of turns) {
      step(`agent turn (session ${key}): ${message}`);
      const turn = await harness.agentTurn({ sessionKey: key, message });
      if (turn.exitCode !== 0) throw new Error(`openclaw agent failed: ${turn.stderr.slice(-2000)}`);
      say(`reply: ${agentReplyText(turn.json).replace(/\s+/g, ' ').slice(0, 160)}`);
    }
    step('waiting for the subagent to finish and its result to be announced');
    await waitFor(
      () => {
        for (const f of safeList(atifDir)) {
          const doc = JSON.parse(readFileSync(join(atifDir, f), 'utf8')) as Doc;
          if ((doc.subagent_trajectories?.[0]?.steps?.length ?? 0) > 0) return true;
        }
        return false;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: 'the subagent trajectory', context: () => harness.logTail() },
    );

    step('openclaw gateway call nemoRelay.status --json');
    // An export that failed once (a busy gateway, a collector's closed keep-alive socket) is
    // retried with backoff: read status until every output is ok, for a bounded time.
    let call = await statusCall(harness);
    for (const until = Date.now() + 60_000; Date.now() < until && !settled(call.json); ) {
      await new Promise((r) => setTimeout(r, 3000));
      call = await statusCall(harness);
    }
    const status = call.json;
    if (call.exitCode !== 0 || !status?.plugin) {
      throw new Error(`nemoRelay.status failed (exit ${call.exitCode}): ${JSON.stringify(status).slice(0, 500)}\n${call.stderr.slice(-1500)}`);
    }
    process.stdout.write(renderStatus(status as StatusPayload));
    for (const o of status.outputs) if (o.state !== 'ok') failures++;
    if (status.state !== 'ready') failures++;

    step('stopping the gateway (SIGTERM): sessions close, files are finalized, spans flushed');
    await harness.stopGateway('SIGTERM');

    step(`ATIF files in ${atifDir}`);
    for (const f of safeList(atifDir)) {
      const doc = JSON.parse(readFileSync(join(atifDir, f), 'utf8')) as Doc;
      const result = validateAtif(doc);
      if (!result.valid) failures++;
      const fm = doc.final_metrics ?? {};
      say(`${f}: ${result.valid ? 'valid' : `INVALID ${JSON.stringify(result.errors).slice(0, 400)}`} ${doc.schema_version}`);
      say(`  session_id ${doc.session_id}, ${doc.steps.length} steps, ${fm.extra?.llm_calls} LLM calls, ${fm.extra?.tool_calls} tool calls, ${fm.total_prompt_tokens} prompt / ${fm.total_completion_tokens} completion tokens, ${formatUsd(fm.total_cost_usd ?? 0)}`);
      for (const s of doc.steps) say(`  ${String(s.step_id).padStart(3)} ${s.source.padEnd(6)} ${summary(s)}`);
      for (const child of doc.subagent_trajectories ?? []) {
        say(`  subagent ${child.trajectory_id}: ${child.steps.length} steps`);
        for (const s of child.steps) say(`      ${String(s.step_id).padStart(3)} ${s.source.padEnd(6)} ${summary(s)}`);
      }
    }
    if (safeList(atifDir).length === 0) failures++;

    step(`spans received (${receiver.spans().length}), OpenInference output`);
    await new Promise((r) => setTimeout(r, 500));
    const oi = receiver.spans().filter((s) => s.resource['service.name'] === 'openclaw-demo-oi');
    say(renderSpanTree(oi, ['openinference.span.kind', 'llm.token_count.prompt', 'llm.token_count.completion', 'tool.name']));
    if (oi.length === 0) failures++;
  } finally {
    await harness.cleanup();
    await receiver.close();
    await llm.close();
  }
  step(failures === 0 ? 'demo OK' : `demo FAILED: ${failures} problem(s) above`);
  say(`ATIF output kept in ${atifDir}`);
  say('');
  say('Next, with your own gateway running this plugin:');
  say('  openclaw nemo-relay status                 # is every output really working? (--json for scripts)');
  say('  openclaw gateway call nemoRelay.status --json');
  say(`  nemo-relay export --format openai-chat-jsonl --in ${atifDir} --out data.jsonl`);
  return failures === 0 ? 0 : 1;
}

/** `openclaw gateway call nemoRelay.status --json`, with room for a busy machine (default 10 s). */
/** Retried: a gateway busy with a subagent can miss a WebSocket handshake. */
async function statusCall(harness: OpenClawHarness) {
  for (let attempt = 1; ; attempt++) {
    const r = await harness.run(['gateway', 'call', 'nemoRelay.status', '--json', '--timeout', '60000']);
    if (r.exitCode === 0 || attempt === 3) return { ...r, json: r.json as Doc | undefined };
    say(`(nemoRelay.status call failed, exit ${r.exitCode}; retrying)`);
  }
}

function summary(s: Doc): string {
  const text = typeof s.message === 'string' ? s.message.replace(/\s+/g, ' ') : JSON.stringify(s.message);
  const tools = (s.tool_calls ?? []).map((t: Doc) => `${t.function_name}(${JSON.stringify(t.arguments)})`).join(', ');
  const obs = (s.observation?.results ?? []).map((r: Doc) => `-> ${String(r.content ?? '').replace(/\s+/g, ' ').slice(0, 60)}`).join(' ');
  const m = s.metrics ? ` [${s.metrics.prompt_tokens}/${s.metrics.completion_tokens} tok]` : '';
  return `${text.slice(0, 70)}${tools ? ` ${tools}` : ''}${obs ? ` ${obs}` : ''}${m}`;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);

/** Every output measured ok and the plugin ready. */
function settled(status: Doc | undefined): boolean {
  return status?.state === 'ready' && Array.isArray(status.outputs) && status.outputs.every((o: Doc) => o.state === 'ok');
}
