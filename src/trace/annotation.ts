// An annotation a client attaches to a session (or one of its runs) after the fact: the
// episode it belongs to, its reward(s), outcome, labels. Shape of ATIF `extra.annotations`
// (the one src/datasets reads back).

import type { Session } from './model.ts';

export interface Annotation {
  episode_id?: string;
  reward?: number;
  rewards?: Record<string, number>;
  outcome?: string;
  labels?: string[];
  metadata?: Record<string, unknown>;
}

/** Where an annotation goes: identities always, the engine's session while it is still open. */
export interface AnnotationTarget {
  sessionKey?: string;
  sessionId?: string;
  traceId: string;
  sessionSpanId: string;
  /** Set for a run-level annotation. */
  runId?: string;
  runSpanId?: string;
  /** The trace that run's span lives in (its own OpenClaw trace in per-run mode). */
  runTraceId?: string;
  /** The engine's session record while the session is open (read it during the call). */
  session?: Session;
  /** When the annotation was received (ms). */
  at: number;
}

/** Merges `next` over `prev`: scalars replaced, rewards and metadata merged by key, labels united. */
export function mergeAnnotation(prev: Annotation | undefined, next: Annotation): Annotation {
  if (!prev) return { ...next };
  const out: Annotation = { ...prev, ...next };
  if (prev.rewards || next.rewards) out.rewards = { ...prev.rewards, ...next.rewards };
  if (prev.metadata || next.metadata) out.metadata = { ...prev.metadata, ...next.metadata };
  if (prev.labels || next.labels) out.labels = [...new Set([...(prev.labels ?? []), ...(next.labels ?? [])])];
  return out;
}
