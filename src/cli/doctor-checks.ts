// The probes behind `openclaw nemo-relay doctor`. Each returns a finding with the fix for the
// problem it found; none throws. Endpoints are probed the way the exporters use them (an empty
// OTLP/HTTP protobuf export, the same headers), so "reachable" means "would accept spans".

import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { OtlpEndpointBase } from '../config/types.ts';

export type Verdict = 'ok' | 'warn' | 'fail';

export interface Finding {
  check: string;
  verdict: Verdict;
  detail: string;
  /** What to do about a warn or fail. */
  fix?: string;
}

const MIB = 1024 * 1024;
/** Below this, ATIF checkpoints of a long session may not fit. */
export const LOW_SPACE_BYTES = 100 * MIB;
export const MIN_SPACE_BYTES = 10 * MIB;

export function checkNode(version: string = process.version): Finding {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  const ok = (major === 24 && minor >= 16) || (major === 26 && minor >= 1) || major > 26;
  return ok
    ? { check: 'node', verdict: 'ok', detail: `Node ${version}` }
    : { check: 'node', verdict: 'fail', detail: `Node ${version}: OpenClaw 2026.9.x needs >= 24.16 (<25) or >= 26.1`, fix: 'install Node 24 LTS (npm run scripts fetch one: node scripts/bootstrap.mjs)' };
}

/** OpenClaw versions are calendar versions (2026.9.6); the plugin is built against 2026.9.6. */
export function checkOpenClaw(version: string | null | undefined, minimum = '2026.9.6'): Finding {
  if (!version) return { check: 'openclaw', verdict: 'warn', detail: 'OpenClaw version unknown', fix: 'run `openclaw --version`; this plugin needs >= ' + minimum };
  const ok = compareVersions(version, minimum) >= 0;
  return ok
    ? { check: 'openclaw', verdict: 'ok', detail: `OpenClaw ${version}` }
    : { check: 'openclaw', verdict: 'fail', detail: `OpenClaw ${version} is older than ${minimum}`, fix: `upgrade OpenClaw to ${minimum} or later (npm i -g openclaw@latest)` };
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function checkConversationAccess(configured: boolean | undefined, observed: string | undefined): Finding {
  const fix = 'set plugins.entries["nemo-relay"].hooks.allowConversationAccess = true in openclaw.json and restart the gateway';
  if (observed === 'blocked') return { check: 'conversation access', verdict: 'fail', detail: 'the gateway withholds llm_input, llm_output, agent_end and the other conversation hooks', fix };
  if (configured !== true) return { check: 'conversation access', verdict: 'fail', detail: 'hooks.allowConversationAccess is not true: OpenClaw will withhold the conversation hooks', fix };
  return { check: 'conversation access', verdict: 'ok', detail: `allowed${observed === 'granted' ? ', hooks observed' : ''}` };
}

/** Exists or can be created, writable (a real file is written and removed), free space. */
export function checkAtifDirectory(dir: string): Finding {
  const check = `atif directory ${dir}`;
  try {
    if (existsSync(dir)) {
      if (!statSync(dir).isDirectory()) return { check, verdict: 'fail', detail: 'exists but is not a directory', fix: `remove the file ${dir} or point atif.output_directory elsewhere` };
    } else {
      const parent = nearestExisting(dir);
      accessSync(parent, constants.W_OK);
      mkdirSync(dir, { recursive: true });
    }
    const probe = join(dir, `.nemo-relay-doctor-${randomBytes(4).toString('hex')}`);
    writeFileSync(probe, 'probe');
    rmSync(probe, { force: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    return { check, verdict: 'fail', detail: `not writable: ${(err as Error).message}`, fix: code === 'EROFS' ? `the file system is read-only: point atif.output_directory at a writable disk` : `make ${dir} writable by the gateway's user (chown/chmod) or point atif.output_directory elsewhere` };
  }
  const fs = statfsSync(dir);
  const free = Number(fs.bavail) * Number(fs.bsize);
  const detail = `writable, ${(free / MIB).toFixed(0)} MiB free`;
  if (free < MIN_SPACE_BYTES) return { check, verdict: 'fail', detail, fix: 'free disk space or point atif.output_directory at a larger disk' };
  if (free < LOW_SPACE_BYTES) return { check, verdict: 'warn', detail, fix: 'free disk space: ATIF files of long sessions need room' };
  return { check, verdict: 'ok', detail };
}

function nearestExisting(path: string): string {
  let p = dirname(path);
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  return p;
}

/** An empty Export*ServiceRequest over HTTP: a collector answers 2xx, an auth proxy 401/403. */
export async function checkOtlpEndpoint(o: OtlpEndpointBase, timeoutMs = 5000, signal: 'traces' | 'metrics' | 'logs' = 'traces'): Promise<Finding> {
  const check = `${o.name} ${o.endpoint}`;
  let res: Response;
  try {
    res = await fetch(o.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', ...o.headers },
      body: new Uint8Array(0),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
  } catch (err) {
    return { check, ...classifyNetworkError(err, o.endpoint, timeoutMs) };
  }
  if (res.ok) return { check, verdict: 'ok', detail: `reachable${o.endpoint.startsWith('https:') ? ', TLS ok' : ''}, accepts OTLP (HTTP ${res.status})` };
  if (res.status === 401 || res.status === 403) {
    return { check, verdict: 'fail', detail: `HTTP ${res.status}: the endpoint refuses the credentials`, fix: `set the output's headers (e.g. "authorization": "Bearer \${env:MY_TOKEN}") to a key the collector accepts` };
  }
  if (res.status === 404 || res.status === 405) {
    return { check, verdict: 'fail', detail: `HTTP ${res.status}: nothing accepts OTLP ${signal} at this path`, fix: `the endpoint must be the full ${signal} URL, e.g. http://host:4318/v1/${signal}${signal === 'traces' ? ' (Phoenix: http://host:6006/v1/traces)' : ''}` };
  }
  if (res.status === 415) return { check, verdict: 'fail', detail: 'HTTP 415: the endpoint does not take OTLP protobuf', fix: 'use transport http_binary against an OTLP/HTTP receiver' };
  return { check, verdict: 'warn', detail: `reachable, answered HTTP ${res.status} to an empty export`, fix: 'check the collector logs' };
}

/** An OpenAI-compatible frontend (Dynamo): GET <baseUrl>/models with the key. */
export async function checkModelsEndpoint(name: string, baseUrl: string, apiKey: string | undefined, timeoutMs = 5000): Promise<Finding> {
  const url = `${baseUrl.replace(/\/+$/, '')}/models`;
  const check = `${name} ${url}`;
  let res: Response;
  try {
    res = await fetch(url, { headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {}, signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer().catch(() => undefined);
  } catch (err) {
    return { check, ...classifyNetworkError(err, url, timeoutMs) };
  }
  if (res.ok) return { check, verdict: 'ok', detail: `reachable, lists models (HTTP ${res.status})` };
  if (res.status === 401 || res.status === 403) return { check, verdict: 'fail', detail: `HTTP ${res.status}: the key is refused`, fix: 'set the provider key: openclaw models auth (or models.providers.dynamo.apiKey)' };
  return { check, verdict: 'warn', detail: `HTTP ${res.status} from /models`, fix: 'check models.providers.dynamo.baseUrl (it ends with /v1)' };
}

function classifyNetworkError(err: unknown, url: string, timeoutMs: number): Omit<Finding, 'check'> {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (err as NodeJS.ErrnoException).code ?? '';
  const msg = cause?.message ?? (err as Error).message ?? String(err);
  const host = safeHost(url);
  if ((err as Error).name === 'TimeoutError' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return { verdict: 'fail', detail: `no answer within ${timeoutMs} ms`, fix: `check that ${host} is up and that no firewall drops the connection` };
  }
  if (/CERT|SSL|TLS|SELF_SIGNED|ERR_TLS|EPROTO/i.test(code) || /certificate|ssl|tls/i.test(msg)) {
    return { verdict: 'fail', detail: `TLS failed: ${msg}`, fix: url.startsWith('https:') ? `the collector's certificate is not trusted: the output takes its CA from the endpoint's \`certificate\` (this check trusts NODE_EXTRA_CA_CERTS), or use http:// if it does not speak TLS` : 'the endpoint speaks TLS: use https://' };
  }
  if (code === 'ECONNREFUSED') return { verdict: 'fail', detail: `connection refused (${code})`, fix: `start the collector on ${host} or fix the endpoint's host and port` };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { verdict: 'fail', detail: `host not found (${code})`, fix: `fix the host name in ${url}` };
  return { verdict: 'fail', detail: `unreachable: ${code ? `${code} ` : ''}${msg}`, fix: `check the endpoint URL ${url}` };
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
