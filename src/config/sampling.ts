// Per-session sampling. The decision is made once per session from a hash of its id, so a
// session is all in or all out, and every process (a restarted gateway, a second replica)
// decides the same for the same id. Parent-based samplers let a subagent session follow its
// parent session's decision. Pure: no clock, no randomness, no I/O.

import { createHash } from 'node:crypto';
import { type Env, samplerEnv } from './otel-env.ts';
import { isObj } from './read.ts';
import type { ConfigIssue, SamplerKind, SamplingConfig } from './types.ts';

export const SAMPLE_ALL: SamplingConfig = { sampler: 'parentbased_always_on', ratio: 1, applyToAtif: false, source: 'default' };

/** Wrapper field `sampling: {ratio, applyToAtif}` over OTEL_TRACES_SAMPLER(_ARG) over "everything". */
export function readSampling(raw: unknown, env: Env, issues: ConfigIssue[]): SamplingConfig {
  const s = isObj(raw) ? raw : {};
  const applyToAtif = s.applyToAtif === true;
  if (typeof s.ratio === 'number' && s.ratio >= 0 && s.ratio <= 1) {
    return { sampler: 'parentbased_traceidratio', ratio: s.ratio, applyToAtif, source: 'config' };
  }
  const fromEnv = samplerEnv(env, issues);
  if (fromEnv) return { ...fromEnv, applyToAtif, source: 'env' };
  return { ...SAMPLE_ALL, applyToAtif };
}

/** The session's position in [0, 1): the first 53 bits of SHA-256(session id). */
export function sessionHashRatio(sessionId: string): number {
  const d = createHash('sha256').update(sessionId, 'utf8').digest();
  return (d.readUInt32BE(0) * 2 ** 21 + (d.readUInt32BE(4) >>> 11)) / 2 ** 53;
}

export type SessionSampler = (sessionId: string, parentSampled?: boolean) => boolean;

/**
 * `parentSampled`: the decision of the session this one was spawned from, when known; only the
 * parentbased_* samplers use it. Call once per session and keep the result with the session.
 */
export function createSessionSampler(cfg: SamplingConfig): SessionSampler {
  const root = rootDecision(cfg.sampler, cfg.ratio);
  if (!cfg.sampler.startsWith('parentbased_')) return (id) => root(id);
  return (id, parentSampled) => (parentSampled === undefined ? root(id) : parentSampled);
}

function rootDecision(sampler: SamplerKind, ratio: number): (id: string) => boolean {
  const kind = sampler.replace('parentbased_', '');
  if (kind === 'always_on') return () => true;
  if (kind === 'always_off') return () => false;
  const r = Math.min(1, Math.max(0, ratio));
  if (r >= 1) return () => true;
  if (r <= 0) return () => false;
  return (id) => sessionHashRatio(id) < r;
}

/** ATIF is complete unless the config opted in to the session decision. */
export function atifIncludesSession(cfg: SamplingConfig, sampled: boolean): boolean {
  return sampled || !cfg.applyToAtif;
}
