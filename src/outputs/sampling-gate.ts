// Per-session sampling at the fan-out's edge: the decision is made once per session tree, on
// the lane (never in a hook handler), from the root session's id, and cached by trace id so a
// subagent follows its root and every run of a session gets the same answer. Trace outputs
// skip sampled-out sessions; ATIF only when the config opted in (sampling.applyToAtif).
// Metrics and logs stay complete, as the OTel SDK's sampler governs spans only.

import { atifIncludesSession, createSessionSampler, type SessionSampler } from '../config/sampling.ts';
import type { SamplingConfig } from '../config/types.ts';
import type { TraceSink } from '../fanout/sink.ts';
import type { Session } from '../trace/model.ts';

/** Trace trees remembered; an evicted tree still open would be decided again, the same way (the decision is a hash). */
const DECISIONS_CAP = 50_000;

export interface SamplingSnapshot {
  sampler: SamplingConfig['sampler'];
  ratio: number;
  source: SamplingConfig['source'];
  applyToAtif: boolean;
  sessionsSampledIn: number;
  sessionsSampledOut: number;
}

export class SessionSamplingGate {
  readonly config: SamplingConfig;
  /** True when every session is in: no sink needs wrapping. */
  readonly keepsAll: boolean;
  private readonly sampler: SessionSampler;
  private readonly decisions = new Map<string, boolean>();
  // Session span ids counted: by id, as a session arrives live (runEnded) and as a frozen snapshot (sessionEnded).
  private readonly counted = new Set<string>();
  private sampledIn = 0;
  private sampledOut = 0;

  constructor(config: SamplingConfig) {
    this.config = config;
    this.sampler = createSessionSampler(config);
    this.keepsAll = config.sampler.endsWith('always_on') || (config.sampler.endsWith('traceidratio') && config.ratio >= 1);
  }

  /** The session tree's decision; counts each session once. */
  sampled(session: Session): boolean {
    let root = session;
    while (root.parentSession) root = root.parentSession;
    let decision = this.decisions.get(root.traceId);
    if (decision === undefined) {
      decision = this.sampler(root.sessionId ?? root.sessionKey);
      this.decisions.set(root.traceId, decision);
      if (this.decisions.size > DECISIONS_CAP) this.decisions.delete(this.decisions.keys().next().value as string);
    }
    if (!this.counted.has(session.spanId)) {
      this.counted.add(session.spanId);
      if (this.counted.size > DECISIONS_CAP) this.counted.delete(this.counted.values().next().value as string);
      if (decision) this.sampledIn++;
      else this.sampledOut++;
    }
    return decision;
  }

  /** A sink that only sees sampled-in sessions (`atif`: only when ATIF opted in to sampling). */
  wrap(sink: TraceSink, kind: 'traces' | 'atif'): TraceSink {
    if (this.keepsAll || (kind === 'atif' && !this.config.applyToAtif)) return sink;
    const keep = (s: Session) => (kind === 'atif' ? atifIncludesSession(this.config, this.sampled(s)) : this.sampled(s));
    const gated: TraceSink = {
      name: sink.name,
      runEnded: (s, run) => {
        if (keep(s)) sink.runEnded(s, run);
      },
      sessionEnded: (s) => {
        if (keep(s)) sink.sessionEnded(s);
      },
      flush: () => sink.flush(),
      shutdown: () => sink.shutdown(),
      health: () => sink.health(),
    };
    if (sink.runAmended) gated.runAmended = (s, a) => (keep(s) ? sink.runAmended?.(s, a) : undefined);
    if (sink.flushSync) gated.flushSync = () => sink.flushSync?.();
    return gated;
  }

  snapshot(): SamplingSnapshot {
    const c = this.config;
    return { sampler: c.sampler, ratio: c.ratio, source: c.source, applyToAtif: c.applyToAtif, sessionsSampledIn: this.sampledIn, sessionsSampledOut: this.sampledOut };
  }
}
