// Secrets and access: what may never leave the box.
//   - Secrets of common shapes in prompts, system prompts, history, responses, reasoning, tool
//     arguments (also as HTTP headers), tool results and errors are masked by default, and
//     configured patterns are masked too: the ATIF file bytes and the spans a real OTLP
//     receiver decodes contain none of them.
//   - Config secrets (OTLP header values, header values taken from env, endpoint userinfo and
//     query values) appear in no status payload, log line or error, with endpoints failing
//     in every way (500, refused, hanging, unparsable).
//   - ATIF files are 0600 in 0700 folders, and hostile session ids, keys and agent ids never
//     put a file outside output_directory.

import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resetSharedRuntime } from '../../../src/runtime/global.ts';
import { fire } from '../../support/fake-host.ts';
import { startOtlpReceiver, type OtlpReceiver } from '../../support/otlp-receiver.ts';
import { retag } from '../../support/streams.ts';
import { freePort } from '../../support/openclaw-harness.ts';
import { agentSteps, fixture, inspectAtifDir, play, pluginConfig, scratch, setupPlugin, status, stopGateway, type Doc, type Plugin, removeScratch } from './helpers.ts';

afterAll(removeScratch);

// ---- the secrets: what must be masked, and the part of each that must never be seen -----------

const PEM_BODY = 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0';
const SECRETS = {
  bearer: { text: 'Authorization: Bearer tok3n-Abc123Def456Ghi789', needle: 'tok3n-Abc123Def456Ghi789' },
  openai: { text: 'sk-proj-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2', needle: 'Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2' },
  aws: { text: 'AKIAIOSFODNN7EXAMPLE', needle: 'IOSFODNN7EXAMPLE' },
  github: { text: 'ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8', needle: 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8' },
  jwt: {
    text: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    needle: 'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  },
  password: { text: 'login with password=hunter2-Sup3rSecret! please', needle: 'hunter2-Sup3rSecret' },
  jsonPassword: { text: '{"user":"bob","password": "c0rrect-h0rse-battery"}', needle: 'c0rrect-h0rse-battery' },
  pem: { text: `-----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY}\n-----END RSA PRIVATE KEY-----`, needle: PEM_BODY.slice(0, 40) },
  custom: { text: 'internal ticket key ACME-7788-9911-QQ', needle: 'ACME-7788-9911' },
};
const ALL = Object.values(SECRETS).map((s) => s.text).join('\n');
const NEEDLES = Object.entries(SECRETS).map(([name, s]) => [name, s.needle] as const);
const CUSTOM_PATTERNS = ['ACME-\\d{4}-\\d{4}(-[A-Z]{2})?'];

function leaks(text: string): string[] {
  return NEEDLES.filter(([, needle]) => text.includes(needle)).map(([name]) => name);
}

const bigintSafe = (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await receiver?.close();
});
afterEach(() => resetSharedRuntime());

/** The recorded tool-call turn with every secret planted in every content field. */
function turnWithSecrets(tag: string): ReturnType<typeof retag> {
  const records = retag(fixture('gateway-tool-call.jsonl'), tag);
  let assistant = 0;
  for (const r of records) {
    const e = r.event as Doc;
    switch (r.hook) {
      case 'llm_input':
        e.prompt = `please call:probe_echo now\n${ALL}`;
        e.systemPrompt = `You are helpful. Deploy key: ${ALL}`;
        e.historyMessages = [{ role: 'user', content: `earlier: ${ALL}` }, { role: 'assistant', content: [{ type: 'text', text: `earlier answer ${ALL}` }] }];
        break;
      case 'before_message_write':
        if (e.message.role === 'user') e.message.content = `please call:probe_echo now\n${ALL}`;
        if (e.message.role === 'assistant') {
          assistant++;
          const parts = e.message.content as Doc[];
          for (const part of parts) {
            if (part.type === 'toolCall') part.arguments = { text: ALL, headers: { Authorization: SECRETS.bearer.text.split(': ')[1], 'X-Api-Key': SECRETS.openai.text }, password: 'plain-pw-value-123' };
            if (part.type === 'text') part.text = `answer: ${ALL}`;
          }
          parts.push({ type: 'thinking', thinking: `I should not reveal ${ALL}` });
          if (assistant === 2) e.message.errorMessage = `upstream said ${ALL}`;
        }
        if (e.message.role === 'toolResult') e.message.content = [{ type: 'text', text: `echo: ${ALL}` }];
        break;
      case 'before_tool_call':
      case 'after_tool_call':
        e.params = { text: ALL, headers: { Authorization: SECRETS.bearer.text.split(': ')[1], 'X-Api-Key': SECRETS.openai.text }, password: 'plain-pw-value-123' };
        if (r.hook === 'after_tool_call') {
          // A policy block: its denied reason also becomes a mark.
          e.result = { content: [{ type: 'text', text: `echo: ${ALL}` }], details: { raw: ALL, status: 'blocked', deniedReason: `blocked by policy: ${ALL}` } };
          e.error = `blocked by policy: ${ALL}`;
        }
        break;
      case 'tool_result_persist':
        e.message.content = [{ type: 'text', text: `echo: ${ALL}` }];
        break;
      case 'agent_end':
        e.success = false;
        e.error = `run failed: ${ALL}`;
        break;
      case 'llm_output':
        e.assistantTexts = [`answer: ${ALL}`];
        break;
    }
  }
  return records;
}

describe('secrets in content', () => {
  it('are masked in every field by default (and by configured patterns): no ATIF byte, no decoded span carries one', async () => {
    const root = scratch('nr-secrets-');
    const out = join(root, 'out');
    const p = setupPlugin(
      pluginConfig(out, {
        capture: { secretPatterns: CUSTOM_PATTERNS, maxFieldBytes: 4096 },
        otlp: { endpoint: receiver.url, service_name: 'sec-genai', compression: 'none' },
        openinference: { endpoint: receiver.url, service_name: 'sec-oi' },
      }),
    );
    await play(p, turnWithSecrets('sec'), { skipStop: true });
    // A subagent that ends in error with a secret in its error text (becomes a mark).
    fire(p.full, 'subagent_spawned', { childSessionKey: 'agent:main:subagent:5ec12e75-0000', runId: 'child-run', requester: { sessionKey: 'agent:main:fx-tool~sec' } }, {});
    fire(p.discovery, 'model_call_started', { runId: 'child-run', callId: 'child-run:model:1' }, { sessionKey: 'agent:main:subagent:5ec12e75-0000' });
    fire(p.full, 'subagent_ended', { targetSessionKey: 'agent:main:subagent:5ec12e75-0000', outcome: 'error', reason: 'failed', error: `child crashed: ${ALL}` }, {});
    // A provider call that fails with a secret in its error.
    const pe = { sessionKey: 'agent:main:provider-error' };
    fire(p.discovery, 'llm_input', { runId: 'pe-run', prompt: 'hi', systemPrompt: 's' }, pe);
    fire(p.discovery, 'model_call_started', { runId: 'pe-run', callId: 'pe-run:model:1' }, pe);
    fire(p.discovery, 'model_call_ended', { runId: 'pe-run', callId: 'pe-run:model:1', outcome: 'error', error: `provider error ${ALL}`, durationMs: 3 }, pe);
    fire(p.discovery, 'agent_end', { runId: 'pe-run', success: false, error: `run failed ${ALL}` }, pe);
    // A secret that straddles the size cap inside a huge field.
    fire(p.discovery, 'llm_input', { runId: 'huge-run', prompt: `${'.'.repeat(4080)}${SECRETS.openai.text} ${'.'.repeat(200_000)}`, systemPrompt: 's' }, { sessionKey: 'agent:main:huge' });
    fire(p.discovery, 'agent_end', { runId: 'huge-run', success: true }, { sessionKey: 'agent:main:huge' });
    await stopGateway(p);

    const report = inspectAtifDir(out);
    expect(report.problems).toEqual([]);
    expect(report.files.length).toBeGreaterThanOrEqual(2);
    for (const name of report.files) {
      const bytes = readFileSync(join(out, name), 'utf8');
      expect(leaks(bytes), name).toEqual([]);
      expect(bytes).not.toContain('plain-pw-value-123');
      expect(bytes).not.toContain(SECRETS.openai.text.slice(0, 12)); // not even the straddling prefix
    }
    const doc = [...report.docs.values()].find((d) => d.extra.openclaw.session_key === 'agent:main:fx-tool~sec')!;
    expect(JSON.stringify(doc)).toContain('[REDACTED]');
    expect(agentSteps(doc).length).toBe(3); // masking removed secrets, not steps

    const spans = receiver.spans();
    for (const service of ['sec-genai', 'sec-oi']) {
      const mine = spans.filter((s) => s.resource['service.name'] === service);
      expect(mine.length, service).toBeGreaterThan(3);
      const text = JSON.stringify(mine, bigintSafe);
      expect(leaks(text), service).toEqual([]);
      expect(text).not.toContain('plain-pw-value-123');
      expect(text).toContain('[REDACTED]');
    }
    const s = await status(p);
    expect(s.counters.secretsMasked).toBeGreaterThan(NEEDLES.length);
    expect(leaks(JSON.stringify(s))).toEqual([]);
  });

  it('with scrubSecrets off, only configured patterns are masked (the switch is real)', async () => {
    const out = join(scratch('nr-secrets-'), 'out');
    const p = setupPlugin(pluginConfig(out, { capture: { scrubSecrets: false, secretPatterns: CUSTOM_PATTERNS } }));
    await play(p, turnWithSecrets('raw'), { skipStop: true });
    await stopGateway(p);
    const bytes = report(out);
    expect(bytes).toContain(SECRETS.openai.text);
    expect(bytes).not.toContain(SECRETS.custom.needle);
  });
});

function report(dir: string): string {
  const r = inspectAtifDir(dir);
  expect(r.problems).toEqual([]);
  return r.files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
}

// ---- config secrets ------------------------------------------------------------------------------

const CFG = {
  userinfo: 'pw-Us3rinfoSecret',
  query: 'Qu3rySecretValue',
  header: 'HdrSecretToken-9876',
  envHeader: 'EnvHeaderSecret-5432',
  invalidHeader: 'ArrHeaderSecret-1111',
};

function configSecretsLeak(text: string): string[] {
  return Object.entries(CFG).filter(([, v]) => text.includes(v) || text.includes(encodeURIComponent(v))).map(([k]) => k);
}

describe('config secrets', () => {
  const envName = 'NR_HARDENING_TEST_KEY';
  afterEach(() => {
    delete process.env[envName];
  });

  it('appear in no status, log line or error, whichever way the endpoints fail', async () => {
    process.env[envName] = CFG.envHeader;
    receiver.clear();
    const failing = await startOtlpReceiver();
    failing.setMode('fail');
    const hanging = await startOtlpReceiver();
    hanging.setMode('hang');
    const refused = await freePort();
    const withSecrets = (url: string) => {
      const u = new URL(url);
      return `${u.protocol}//nr-user:${CFG.userinfo}@${u.host}${u.pathname}?api_key=${CFG.query}`;
    };
    const endpoint = (url: string) => ({
      type: 'gen_ai',
      enabled: true,
      endpoint: url,
      headers: { authorization: `Bearer ${CFG.header}` },
      headers_from_env: { 'x-api-key': envName },
      timeout_millis: 300,
      scheduled_delay_millis: 10,
    });
    const config = {
      plugins: {
        version: 1,
        components: [
          {
            kind: 'observability',
            config: {
              version: 1,
              opentelemetry: {
                enabled: true,
                endpoints: [
                  endpoint(withSecrets(receiver.url)),
                  endpoint(withSecrets(failing.url)),
                  endpoint(withSecrets(hanging.url)),
                  endpoint(withSecrets(`http://127.0.0.1:${refused}/v1/traces`)),
                  endpoint(`http://nr-user:${CFG.userinfo}@exa mple.invalid:99999/v1/traces?api_key=${CFG.query}`),
                ],
              },
            },
          },
        ],
      },
    };
    const p = setupPlugin(config);
    try {
      await play(p, retag(fixture('gateway-tool-call.jsonl'), 'cfg'), { skipStop: true });
      await p.runtime.flush();
      await failing.waitForAttempts(1);
      await hanging.waitForAttempts(1);
      // The secrets were really in use: the healthy collector got them.
      await receiver.waitForSpans(1);
      expect(receiver.requests.some((r) => r.headers.authorization === `Bearer ${CFG.header}` && r.headers['x-api-key'] === CFG.envHeader)).toBe(true);
      const during = await status(p);
      await stopGateway(p);
      const after = await status(p);

      const degraded = during.outputs.filter((o) => o.state === 'degraded' || o.failures > 0);
      expect(degraded.length, JSON.stringify(during.outputs)).toBeGreaterThanOrEqual(3);
      for (const o of during.outputs) {
        if (o.lastError) expect(o.lastError.message.length).toBeGreaterThan(0);
        expect(String(o.details?.['endpoint'])).not.toContain('nr-user');
      }
      const everything = [
        JSON.stringify(during),
        JSON.stringify(after),
        ...p.full.logs.map((l) => l.msg),
        ...p.discovery.logs.map((l) => l.msg),
        JSON.stringify(p.runtime.lastInternalError ?? null),
        JSON.stringify(p.runtime.sinkHealth()),
      ].join('\n');
      expect(configSecretsLeak(everything)).toEqual([]);
    } finally {
      await failing.close();
      hanging.setMode('ok');
      await hanging.close();
    }
  }, 30_000);

  it('a rejected config never echoes a header value in its issues or logs', async () => {
    const p = setupPlugin(
      {
        plugins: {
          version: 1,
          components: [{ kind: 'observability', config: { version: 1, opentelemetry: { enabled: true, endpoint: 'http://127.0.0.1:1/v1/traces', headers: { authorization: [`Bearer ${CFG.invalidHeader}`] } } } }],
        },
      },
      { allowInvalid: true },
    );
    const s = await status(p);
    // The error switches off that one output (the config as a whole stays valid).
    expect(s.config.issues.some((i) => i.severity === 'error' && i.path.includes('headers'))).toBe(true);
    const text = [JSON.stringify(s), ...p.full.logs.map((l) => l.msg), ...p.discovery.logs.map((l) => l.msg)].join('\n');
    expect(p.full.logs.some((l) => l.msg.includes('headers'))).toBe(true);
    expect(configSecretsLeak(text)).toEqual([]);
  });
});

// ---- files: modes and where they land -------------------------------------------------------------

const HOSTILE = [
  '../../../../escape-key',
  '/etc/passwd',
  '/tmp/absolute-escape',
  'a/../../b',
  '..',
  '.',
  'nul\u0000byte/../x',
  'new\nline',
  '%2e%2e%2fencoded',
  '~/home-escape',
  'C:\\windows\\escape',
  'x'.repeat(10_000),
];

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    out.push(full);
    if (lstatSync(full).isDirectory()) out.push(...walk(full));
  }
  return out;
}

describe('ATIF files on disk', () => {
  it('are 0600 in 0700 folders (every folder the plugin creates), and hostile ids never leave output_directory', async () => {
    const root = scratch('nr-files-');
    const out = join(root, 'deep', 'er', 'out');
    const previous = process.umask(0o000); // the plugin's modes must not depend on the umask
    let p: Plugin;
    try {
      p = setupPlugin(pluginConfig(out, { atif: { filename_template: '{agent_id}-{session_key}-{session_id}.json' } }));
      HOSTILE.forEach((id, i) => {
        const ctx = { sessionKey: id, sessionId: HOSTILE[(i + 3) % HOSTILE.length], agentId: HOSTILE[(i + 5) % HOSTILE.length] };
        fire(p.discovery, 'llm_input', { runId: `r${i}`, prompt: `hi ${i}`, systemPrompt: 's', sessionId: ctx.sessionId }, ctx);
        fire(p.discovery, 'model_call_started', { runId: `r${i}`, callId: `r${i}:model:1` }, ctx);
        fire(p.discovery, 'model_call_ended', { runId: `r${i}`, callId: `r${i}:model:1`, outcome: 'completed', durationMs: 1 }, ctx);
        fire(p.discovery, 'before_message_write', { message: { role: 'assistant', content: 'ok', stopReason: 'stop', timestamp: i } }, ctx);
        fire(p.discovery, 'agent_end', { runId: `r${i}`, success: true }, ctx);
        fire(p.discovery, 'llm_output', { runId: `r${i}` }, ctx);
      });
      await p.runtime.flush();
      await new Promise((r) => setTimeout(r, 50));
      await stopGateway(p);
    } finally {
      process.umask(previous);
    }
    // Nothing anywhere but the output folder and the folders leading to it.
    const entries = walk(root).map((f) => relative(root, f));
    const files = entries.filter((e) => !lstatSync(join(root, e)).isDirectory());
    expect(entries.filter((e) => lstatSync(join(root, e)).isDirectory()).sort()).toEqual(['deep', join('deep', 'er'), join('deep', 'er', 'out')]);
    for (const f of files) expect(f.startsWith(join('deep', 'er', 'out') + '/')).toBe(true);
    for (const d of ['deep', join('deep', 'er'), join('deep', 'er', 'out')]) expect((lstatSync(join(root, d)).mode & 0o777).toString(8), d).toBe('700');
    const report = inspectAtifDir(out);
    expect(report.strays).toEqual([]);
    expect(report.problems).toEqual([]); // includes: every file 0600, valid ATIF
    // One file per hostile session, each holding its one model call.
    expect(report.files).toHaveLength(HOSTILE.length);
    expect([...report.docs.values()].map((d) => agentSteps(d).length)).toEqual(HOSTILE.map(() => 1));
    for (const f of report.files) expect(f.length).toBeLessThanOrEqual(200);
    // And nothing was written next to the scratch root either (e.g. by a `../` that escaped it).
    expect(readdirSync(join(root, '..')).filter((n) => /escape|passwd/.test(n))).toEqual([]);
  });
});
