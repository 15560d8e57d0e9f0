// The human view of nemoRelay.status: one screen that says whether each output really works
// (measured health), what was counted and dropped, which hooks OpenClaw withholds, and what to
// fix. Pure: payload in, text out, so it is tested without a gateway.

import type { SinkHealth } from '../fanout/sink.ts';
import type { StatusPayload } from '../status/status.ts';

/** Exit code of `openclaw nemo-relay status`: 0 only when the plugin says ready. */
export function statusExitCode(status: Pick<StatusPayload, 'state'>): number {
  return status.state === 'ready' ? 0 : 1;
}

export function renderStatus(status: StatusPayload, now: Date = new Date()): string {
  const lines: string[] = [];
  const c = status.counters;
  lines.push(`nemo-relay ${status.plugin.version} on OpenClaw ${status.openclaw.version ?? 'unknown'}: ${status.state.toUpperCase()}`);
  lines.push(`  started ${status.startedAt} (${ago(status.startedAt, now)})`);
  if (!status.config.enabled) lines.push('  plugin disabled by config (enabled: false)');

  lines.push('', 'Outputs (measured health)');
  if (status.outputs.length === 0) lines.push('  none configured');
  for (const o of status.outputs) lines.push(...renderOutput(o, now));

  lines.push('', 'Counters');
  lines.push(`  hook events ${c.hookEventsTotal}, malformed ${c.malformedTotal}, duplicate deliveries ${c.duplicateDeliveries}, internal errors ${c.internalErrors}`);
  lines.push(`  runs ${c.runs}, LLM spans ${c.llmSpans}, tool spans ${c.toolSpans}, marks ${c.marks}`);
  lines.push(`  sessions opened ${c.sessionsOpened}, closed ${c.sessionsClosed}, open ${c.openSessions}; open runs ${c.openRuns}`);
  const dropped = [
    ['records dropped', c.recordsDropped],
    ['records expired', c.recordsExpired],
    ['sessions evicted', c.sessionsEvicted],
    ['unattributed events', c.unattributedEvents],
    ['late events', c.lateEvents],
  ] as const;
  lines.push(`  ${dropped.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  lines.push(`  secrets masked ${c.secretsMasked}, fields truncated ${c.fieldsTruncated}`);

  if (status.host) {
    const d = status.host.eventLoopDelay;
    lines.push('', 'Gateway process');
    lines.push(`  event loop delay p50 ${d.p50Ms} ms, p99 ${d.p99Ms} ms, max ${d.maxMs} ms; nemo-relay's longest unit of background work ${status.host.lane.longestUnitMs} ms, ${status.host.lane.pending} waiting`);
  }

  lines.push('', 'Hooks');
  const access = status.hooks.conversationAccess;
  lines.push(`  conversation access: configured ${access.configured === null ? 'unknown' : access.configured ? 'yes' : 'no'}, observed ${access.observed}`);
  lines.push(`  withheld by OpenClaw: ${status.hooks.blocked.length ? status.hooks.blocked.join(', ') : 'none'}`);

  const fixes = fixesFor(status);
  lines.push('', fixes.length ? 'What to fix' : 'Nothing to fix.');
  for (const f of fixes) lines.push(`  - ${f}`);
  return `${lines.join('\n')}\n`;
}

function renderOutput(o: SinkHealth, now: Date): string[] {
  const where = typeof o.details?.endpoint === 'string' ? o.details.endpoint : typeof o.details?.output_directory === 'string' ? o.details.output_directory : '';
  const head = `  ${o.name.padEnd(16)} ${o.state.padEnd(9)} ${o.exported} ${o.unit} exported, ${o.failures} failures, ${o.dropped} dropped, queue ${o.queueDepth}`;
  const out = [where ? `${head}  ${where}` : head];
  if (o.lastSuccessTime) out.push(`${' '.repeat(19)}last success ${ago(o.lastSuccessTime, now)}`);
  if (o.lastError) out.push(`${' '.repeat(19)}last error ${ago(o.lastError.time, now)}: ${o.lastError.message}`);
  return out;
}

/** Each reason the plugin gives, with the action that clears it where one is known. */
export function fixesFor(status: StatusPayload): string[] {
  const fixes: string[] = [];
  for (const issue of status.config.issues.filter((i) => i.severity === 'error')) {
    fixes.push(`config ${issue.path}: ${issue.message} (expected ${issue.expected}, found ${issue.found})`);
  }
  for (const o of status.outputs.filter((x) => x.state === 'degraded')) {
    fixes.push(`${o.name}: ${o.lastError?.message ?? 'failing'}; ${outputHint(o)}`);
  }
  if (status.hooks.blocked.length > 0) {
    fixes.push('OpenClaw withholds conversation hooks: set plugins.entries["nemo-relay"].hooks.allowConversationAccess = true and restart the gateway');
  }
  const covered = (r: string) => status.outputs.some((o) => r.startsWith(`${o.name}:`)) || r.startsWith('config has') || r.startsWith('OpenClaw withholds');
  for (const r of status.reasons.filter((x) => !covered(x))) fixes.push(r);
  return fixes;
}

function outputHint(o: SinkHealth): string {
  const msg = o.lastError?.message ?? '';
  if (o.name.startsWith('atif')) return 'check that the output_directory exists, is writable and has free space (openclaw nemo-relay doctor)';
  if (/\b40[13]\b|unauthori[sz]ed|forbidden/i.test(msg)) return 'the endpoint refuses the credentials: check the headers (Authorization, api key)';
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|timed? ?out|ETIMEDOUT/i.test(msg)) return 'the collector is not reachable: start it or fix the endpoint URL (openclaw nemo-relay doctor)';
  if (/certificate|TLS|SSL/i.test(msg)) return 'TLS failed: check the endpoint scheme and the collector certificate';
  return 'run openclaw nemo-relay doctor';
}

function ago(iso: string, now: Date): string {
  const ms = now.getTime() - Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${(s / 3600).toFixed(1)}h ago`;
  return `${(s / 86400).toFixed(1)}d ago`;
}
