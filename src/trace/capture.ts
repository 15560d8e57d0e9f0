// The capture policy, applied once per value when a run is finalized: what content may
// leave the process (prompts, responses, tool arguments and results), secrets masked,
// oversized text truncated with a visible marker. Exporters never see raw content.

import type { CaptureConfig } from '../config/types.ts';
import { CAPTURE_STRIPPED } from './model.ts';
import { lruGet, lruInsert } from '../util/lru.ts';

export type ContentKind = 'prompt' | 'response' | 'toolArgs' | 'toolResult';

export interface CaptureCounters {
  truncated: number;
  secretsMasked: number;
}

const SECRET_MASK = '[REDACTED]';
/** Characters kept past maxFieldBytes before scrubbing, so the cut never splits a secret. */
const SCRUB_MARGIN = 65_536;

// Long texts cleaned lately, with what cleaning them counted. A session's runs repeat its
// system prompt (~40 kB): hashing it to find the last result costs a few percent of scanning
// it again (2,000x3 bench: 3.6 s of the drain). Few and bounded, since each entry holds its text.
const REMEMBER_FROM = 4096;
const REMEMBER_UP_TO = 65_536;
const REMEMBERED = 8;
interface Cleaned {
  out: string;
  masked: number;
  truncated: number;
}

// Shapes of credentials that show up in prompts and tool output. Each keeps a recognizable
// prefix so a reader can tell what kind of secret was there.
const BUILTIN_SECRETS: RegExp[] = [
  /\b((?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=-]{8,}/gi,
  /\bsk-(?:proj-|ant-|live-|test-)?[A-Za-z0-9_-]{16,}/g,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  /\bgh[pousr]_[A-Za-z0-9]{30,}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{30,}\b/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
  /\bAIza[0-9A-Za-z_-]{35}\b/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
  /\b((?:password|passwd|pwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token|client[_-]?secret|token)["']?\s*[:=]\s*["']?)[^\s"'&,;}]{3,}/gi,
];

export class CapturePolicy {
  readonly config: CaptureConfig;
  readonly counters: CaptureCounters = { truncated: 0, secretsMasked: 0 };
  private readonly patterns: RegExp[];
  /** All patterns in one alternation: one scan tells whether a text needs the per-pattern pass. */
  private readonly anyPattern: RegExp | undefined;
  private readonly recent = new Map<string, Cleaned>();

  constructor(config: CaptureConfig) {
    this.config = config;
    this.patterns = config.scrubSecrets ? [...BUILTIN_SECRETS, ...config.secretPatterns] : [...config.secretPatterns];
    // Each pattern keeps its own case rule through a regexp modifier group; one scan of a 40 kB
    // system prompt costs about a third of scanning with each pattern in turn.
    this.anyPattern = this.patterns.length
      ? new RegExp(this.patterns.map((p) => (p.flags.includes('i') ? `(?i:${p.source})` : `(?:${p.source})`)).join('|'))
      : undefined;
  }

  allows(kind: ContentKind): boolean {
    switch (kind) {
      case 'prompt':
        return this.config.includePrompts;
      case 'response':
        return this.config.includeResponses;
      case 'toolArgs':
        return !this.config.stripToolArgs;
      case 'toolResult':
        return !this.config.stripToolResults;
    }
  }

  /** Text as it may be exported: undefined (prompts/responses off), the stripped marker (tool content off), or scrubbed and capped text. */
  text(value: string | undefined, kind: ContentKind): string | undefined {
    if (value === undefined) return undefined;
    if (!this.allows(kind)) return kind === 'toolArgs' || kind === 'toolResult' ? CAPTURE_STRIPPED : undefined;
    return this.clean(value);
  }

  /** Structured value (tool arguments): stripped marker, or the value with every string cleaned. */
  value(value: unknown, kind: ContentKind): unknown {
    if (value === undefined) return undefined;
    if (!this.allows(kind)) return CAPTURE_STRIPPED;
    return this.cleanDeep(value, 0, new WeakSet());
  }

  /** Secret scrubbing and size cap, without the include/strip decision (errors, ids in free text). */
  clean(value: string): string {
    if (value.length < REMEMBER_FROM || value.length > REMEMBER_UP_TO) return this.scrub(value);
    const hit = lruGet(this.recent, value);
    if (hit) {
      this.counters.secretsMasked += hit.masked;
      this.counters.truncated += hit.truncated;
      return hit.out;
    }
    const { secretsMasked, truncated } = this.counters;
    const out = this.scrub(value);
    lruInsert(this.recent, value, { out, masked: this.counters.secretsMasked - secretsMasked, truncated: this.counters.truncated - truncated }, REMEMBERED);
    return out;
  }

  private scrub(value: string): string {
    // Only what can be kept is scrubbed: a field far over the cap is cut first, with a margin
    // wider than any secret shape (a PEM key is ~3 kB) so no secret straddles the final cut.
    // A 10 MB tool result then costs what a capped one does (this can run on the hook path).
    let out = value.length > this.config.maxFieldBytes + SCRUB_MARGIN ? value.slice(0, this.config.maxFieldBytes + SCRUB_MARGIN) : value;
    // One combined scan decides whether the per-pattern replacement passes are needed at all.
    if (this.anyPattern?.test(out)) {
      for (const re of this.patterns) {
        re.lastIndex = 0;
        if (!re.test(out)) continue;
        re.lastIndex = 0;
        out = out.replace(re, (match: string, prefix?: unknown) => {
          this.counters.secretsMasked++;
          // Key=value patterns keep the key so the reader knows what was masked.
          return typeof prefix === 'string' && match.startsWith(prefix) && prefix.length < match.length
            ? `${prefix}${SECRET_MASK}`
            : SECRET_MASK;
        });
      }
    }
    return this.cap(out, out === value ? undefined : value);
  }

  /** `original`: the uncut value when `value` is a pre-cut prefix of it (the marker tells its size). */
  private cap(value: string, original?: string): string {
    const max = this.config.maxFieldBytes;
    // Cheap pre-check: a UTF-16 string of n units is at most 3n UTF-8 bytes. A pre-cut value
    // always gets the marker, even if masking made what is left short.
    if (original === undefined && value.length * 3 <= max) return value;
    const bytes = Buffer.byteLength(original ?? value, 'utf8');
    if (bytes <= max) return value;
    this.counters.truncated++;
    const marker = `…[truncated by nemo-relay: ${bytes} bytes, limit ${max}]`;
    const keep = Buffer.from(value, 'utf8').subarray(0, Math.max(0, max - Buffer.byteLength(marker)));
    // Drop a trailing partial UTF-8 sequence (decoding turns it into U+FFFD).
    return keep.toString('utf8').replace(/\uFFFD+$/, '') + marker;
  }

  private cleanDeep(value: unknown, depth: number, seen: WeakSet<object>): unknown {
    if (typeof value === 'string') return this.clean(value);
    if (value === null || typeof value !== 'object') {
      return typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint' ? String(value) : value;
    }
    if (seen.has(value) || depth > 32) return '[cycle or too deep]';
    seen.add(value);
    if (Array.isArray(value)) {
      const out = value.slice(0, 1000).map((v) => this.cleanDeep(v, depth + 1, seen));
      if (value.length > 1000) out.push(`…[${value.length - 1000} more items truncated by nemo-relay]`);
      return out;
    }
    const out: Record<string, unknown> = {};
    let n = 0;
    for (const key of Object.keys(value)) {
      if (++n > 1000) break;
      const v = (value as Record<string, unknown>)[key];
      // A value under a secret-looking key is masked whole.
      out[key] = /^(password|passwd|secret|api[_-]?key|authorization|token|access[_-]?token|client[_-]?secret)$/i.test(key) &&
        typeof v === 'string' && this.config.scrubSecrets
        ? (this.counters.secretsMasked++, SECRET_MASK)
        : this.cleanDeep(v, depth + 1, seen);
    }
    return out;
  }
}
