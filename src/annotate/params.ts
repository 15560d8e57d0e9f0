// nemoRelay.annotate params, checked by hand: every problem names the field and what was
// expected, and nothing is recorded unless all of them are fine.

import type { Annotation } from '../trace/annotation.ts';

export interface AnnotateParams {
  sessionId?: string;
  sessionKey?: string;
  runId?: string;
  annotation: Annotation;
}

export type ParseResult = { ok: true; params: AnnotateParams } | { ok: false; errors: string[] };

const KNOWN = new Set(['sessionId', 'sessionKey', 'runId', 'episodeId', 'reward', 'rewards', 'outcome', 'labels', 'metadata']);
const MAX_TEXT = 1024;
const MAX_LABELS = 64;
const MAX_METADATA_BYTES = 16 * 1024;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? `a string` : typeof v);

export function parseAnnotateParams(raw: unknown): ParseResult {
  const errors: string[] = [];
  if (!isObject(raw)) return { ok: false, errors: [`params: expected an object, found ${describe(raw)}`] };
  for (const k of Object.keys(raw)) if (!KNOWN.has(k)) errors.push(`${k}: unknown field (expected one of ${[...KNOWN].join(', ')})`);

  const text = (field: string): string | undefined => {
    const v = raw[field];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.trim() === '' || v.length > MAX_TEXT) {
      errors.push(`${field}: expected a non-empty string of at most ${MAX_TEXT} characters, found ${describe(v)}`);
      return undefined;
    }
    return v;
  };
  const sessionId = text('sessionId');
  const sessionKey = text('sessionKey');
  const runId = text('runId');
  const episodeId = text('episodeId');
  const outcome = text('outcome');
  if (raw.sessionId === undefined && raw.sessionKey === undefined) errors.push('sessionId: expected sessionId or sessionKey, found neither');

  const annotation: Annotation = {};
  if (episodeId !== undefined) annotation.episode_id = episodeId;
  if (outcome !== undefined) annotation.outcome = outcome;
  if (raw.reward !== undefined) {
    if (typeof raw.reward === 'number' && Number.isFinite(raw.reward)) annotation.reward = raw.reward;
    else errors.push(`reward: expected a finite number, found ${describe(raw.reward)}`);
  }
  if (raw.rewards !== undefined) {
    if (!isObject(raw.rewards)) errors.push(`rewards: expected an object of name -> number, found ${describe(raw.rewards)}`);
    else {
      const rewards: Record<string, number> = {};
      for (const [name, v] of Object.entries(raw.rewards)) {
        if (typeof v === 'number' && Number.isFinite(v) && name !== '') rewards[name] = v;
        else errors.push(`rewards.${name}: expected a finite number, found ${describe(v)}`);
      }
      annotation.rewards = rewards;
    }
  }
  if (raw.labels !== undefined) {
    const l = raw.labels;
    if (!Array.isArray(l) || l.length > MAX_LABELS || !l.every((x) => typeof x === 'string' && x !== '' && x.length <= MAX_TEXT)) {
      errors.push(`labels: expected an array of at most ${MAX_LABELS} non-empty strings, found ${describe(l)}`);
    } else annotation.labels = [...new Set(l as string[])];
  }
  if (raw.metadata !== undefined) {
    let size = Infinity;
    try {
      size = Buffer.byteLength(JSON.stringify(raw.metadata) ?? '');
    } catch {
      // a cycle or a BigInt: not JSON
    }
    if (!isObject(raw.metadata) || size > MAX_METADATA_BYTES) {
      errors.push(`metadata: expected a JSON object of at most ${MAX_METADATA_BYTES} bytes, found ${isObject(raw.metadata) ? 'a larger or non-JSON object' : describe(raw.metadata)}`);
    } else annotation.metadata = JSON.parse(JSON.stringify(raw.metadata)) as Record<string, unknown>;
  }
  if (errors.length === 0 && Object.keys(annotation).length === 0) {
    errors.push('reward: expected at least one of episodeId, reward, rewards, outcome, labels, metadata');
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    params: { ...(sessionId ? { sessionId } : {}), ...(sessionKey ? { sessionKey } : {}), ...(runId ? { runId } : {}), annotation },
  };
}
