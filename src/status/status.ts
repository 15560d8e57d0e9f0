// The nemoRelay.status payload: everything an operator needs to know whether each output
// really works, from measured health rather than from configuration alone.

import type { SinkHealth } from '../fanout/sink.ts';
import type { ConfigIssue } from '../config/types.ts';
import { CONVERSATION_GATED_HOOKS } from '../ingest/hook-names.ts';
import type { Runtime, RuntimeState } from '../runtime/runtime.ts';
import type { SamplingSnapshot } from '../outputs/sampling-gate.ts';
import type { HostHealth } from './host-health.ts';
import { outputsView, publishedOutputs, type OutputView, type PublishedOutputState } from './outputs-view.ts';

export type StatusState = RuntimeState | 'degraded';

export interface StatusPayload {
  // The published plugin's fields (nemo-relay-openclaw), kept so scripts written against it work.
  id: 'nemo-relay';
  backend: 'hooks';
  status: { state: StatusState; reason?: string };
  initializedPluginHost: boolean;
  /** The published `outputs` summary; here under its own name because `outputs` lists sinks. */
  outputHealth: { atif: PublishedOutputState; otel: PublishedOutputState; openInference: PublishedOutputState };
  /** The latest degraded reason (published: `lastError`). */
  lastError?: string;
  plugin: { id: 'nemo-relay'; version: string };
  openclaw: { version: string | null };
  /** The runtime's own state, or `degraded` when something below needs attention. */
  state: StatusState;
  reasons: string[];
  startedAt: string;
  config: { enabled: boolean; valid: boolean; issues: ConfigIssue[] };
  outputs: SinkHealth[];
  /** Every output the config describes, on or off (with why), each with its measured health. */
  configuredOutputs: OutputView[];
  sampling: SamplingSnapshot;
  /** The gateway's event loop delay and the plugin's own longest unit of background work. */
  host: HostHealth;
  counters: {
    // Published names (nemo-relay-openclaw) beside ours.
    llmSpansReplayed: number;
    toolSpansReplayed: number;
    marksEmitted: number;
    replayErrors: number;
    skippedEvents: number;
    hookEvents: Record<string, number>;
    hookEventsTotal: number;
    malformedEvents: Record<string, number>;
    malformedTotal: number;
    duplicateDeliveries: number;
    internalErrors: number;
    llmSpans: number;
    toolSpans: number;
    runs: number;
    marks: number;
    sessionsOpened: number;
    sessionsClosed: number;
    openSessions: number;
    openRuns: number;
    correlationRecords: number;
    recordsDropped: number;
    recordsExpired: number;
    sessionsEvicted: number;
    unattributedEvents: number;
    lateEvents: number;
    duplicateEvents: number;
    secretsMasked: number;
    fieldsTruncated: number;
  };
  hooks: {
    conversationAccess: { configured: boolean | null; observed: 'granted' | 'blocked' | 'unknown' };
    /** Conversation hooks never delivered although agent runs happened. */
    blocked: string[];
    registrations: Record<string, number>;
  };
  malformedSamples: { hook: string; problems: string[]; at: string }[];
  lastInternalError: { time: string; message: string } | null;
  extensions: Record<string, unknown>;
}

/** Extra sections (dynamo, adaptive) registered by other capabilities of the plugin. */
export type StatusExtension = () => unknown;

export function buildStatus(rt: Runtime, extensions: Record<string, StatusExtension> = {}): StatusPayload {
  const c = rt.engine.counters;
  const sizes = rt.engine.sizes();
  const outputs = rt.sinkHealth();
  const hookEventsTotal = Object.values(rt.hookCounts).reduce((a, b) => a + b, 0);
  const malformedTotal = Object.values(rt.malformedCounts).reduce((a, b) => a + b, 0);

  // Agent runs happened (model calls or tools seen) but gated hooks never came: OpenClaw withheld them.
  const ranAgents = (rt.hookCounts.model_call_started ?? 0) + (rt.hookCounts.before_tool_call ?? 0) > 0;
  const blocked = ranAgents ? [...CONVERSATION_GATED_HOOKS].filter((h) => (rt.hookCounts[h] ?? 0) === 0).sort() : [];
  const observed = !ranAgents ? 'unknown' : blocked.includes('llm_input') ? 'blocked' : 'granted';

  const reasons: string[] = [];
  if (rt.loaded.invalid) reasons.push(`config has ${rt.loaded.issues.filter((i) => i.severity === 'error').length} error(s); nothing is exported`);
  for (const o of outputs) {
    if (o.state === 'degraded') reasons.push(`${o.name}: ${o.lastError?.message ?? 'failing'}`);
  }
  if (observed === 'blocked') {
    reasons.push('OpenClaw withholds conversation hooks (llm_input, llm_output, agent_end, ...): set plugins.entries["nemo-relay"].hooks.allowConversationAccess = true');
  }
  if (rt.internalErrors > 0 && rt.lastInternalError) reasons.push(`internal errors: ${rt.internalErrors} (last: ${rt.lastInternalError.message})`);

  let state: StatusState = rt.state;
  if (state === 'ready' && reasons.length > 0) state = 'degraded';

  const ext: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(extensions)) {
    try {
      ext[name] = fn();
    } catch (err) {
      ext[name] = { error: String(err) };
    }
  }

  const reason = reasons[0];
  return {
    id: 'nemo-relay',
    backend: 'hooks',
    status: reason !== undefined && state === 'degraded' ? { state, reason } : { state },
    initializedPluginHost: rt.state === 'ready',
    outputHealth: publishedOutputs(rt.loaded.config, outputs),
    ...(reason !== undefined ? { lastError: reason } : {}),
    plugin: { id: 'nemo-relay', version: rt.pluginVersion },
    openclaw: { version: rt.openclawVersion ?? null },
    state,
    reasons,
    startedAt: new Date(rt.startedAt).toISOString(),
    config: { enabled: rt.enabled, valid: !rt.loaded.invalid, issues: rt.loaded.issues },
    outputs,
    configuredOutputs: outputsView(rt.loaded.config, outputs),
    sampling: rt.sampling.snapshot(),
    host: rt.host.snapshot(),
    counters: {
      llmSpansReplayed: c.llmSpans,
      toolSpansReplayed: c.toolSpans,
      marksEmitted: c.marks,
      replayErrors: rt.internalErrors,
      skippedEvents: malformedTotal + c.unattributed,
      hookEvents: { ...rt.hookCounts },
      hookEventsTotal,
      malformedEvents: { ...rt.malformedCounts },
      malformedTotal,
      duplicateDeliveries: rt.duplicateDeliveries,
      internalErrors: rt.internalErrors,
      llmSpans: c.llmSpans,
      toolSpans: c.toolSpans,
      runs: c.runs,
      marks: c.marks,
      sessionsOpened: c.sessionsOpened,
      sessionsClosed: c.sessionsClosed,
      openSessions: sizes.openSessions,
      openRuns: sizes.openRuns,
      correlationRecords: sizes.bufferedRecords,
      recordsDropped: c.recordsDropped,
      recordsExpired: c.recordsExpired,
      sessionsEvicted: c.sessionsEvicted,
      unattributedEvents: c.unattributed,
      lateEvents: c.lateEvents,
      duplicateEvents: c.duplicates,
      secretsMasked: rt.engine.captureCounters.secretsMasked,
      fieldsTruncated: rt.engine.captureCounters.truncated,
    },
    hooks: {
      conversationAccess: { configured: rt.conversationAccessConfigured ?? null, observed },
      blocked,
      registrations: { ...rt.registrations },
    },
    malformedSamples: [...rt.malformedSamples],
    lastInternalError: rt.lastInternalError ?? null,
    extensions: ext,
  };
}
