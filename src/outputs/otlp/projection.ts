// A SpanProjection decides what a planned span is called and which attributes it carries
// (gen_ai, OpenInference, or both). The OTLP plumbing owns everything else: ids, parents,
// times, status, events, batching and transport. A projection is a pure function of the
// model: it never adds content the capture policy removed, and never throws on odd data
// (the caller still guards it, since it runs off the hook path on untrusted payloads).

import type { Attributes } from '@opentelemetry/api';

import type { OtlpOutputConfig } from '../../config/types.ts';
import type { PlannedSpan, SpanSubject } from './span-plan.ts';

export interface SpanProjection {
  /** Shown in health details. */
  readonly name: string;
  spanName(subject: SpanSubject): string;
  attributes(span: PlannedSpan): Attributes;
  /** Extra resource attributes (e.g. the OpenInference project name). */
  resourceAttributes?(config: OtlpOutputConfig): Attributes;
  /** Extra request headers (e.g. `x-project-name`); config headers win on a clash. */
  headers?(config: OtlpOutputConfig): Record<string, string>;
  /** The OTel semantic-conventions schema the names follow (instrumentation scope schema_url). */
  readonly schemaUrl?: string;
}

/**
 * Both attribute sets on one span (the `full` projection). The first projection names the
 * span; on an attribute clash the first one wins too, so the order states the priority.
 */
export function combineProjections(name: string, ...parts: SpanProjection[]): SpanProjection {
  const [first] = parts;
  if (!first) throw new Error('combineProjections needs at least one projection');
  const schemaUrl = parts.find((p) => p.schemaUrl !== undefined)?.schemaUrl;
  return {
    name,
    ...(schemaUrl !== undefined ? { schemaUrl } : {}),
    spanName: (subject) => first.spanName(subject),
    attributes: (span) => Object.assign({}, ...parts.map((p) => p.attributes(span)).reverse()) as Attributes,
    resourceAttributes: (config) =>
      Object.assign({}, ...parts.map((p) => p.resourceAttributes?.(config) ?? {}).reverse()) as Attributes,
    headers: (config) =>
      Object.assign({}, ...parts.map((p) => p.headers?.(config) ?? {}).reverse()) as Record<string, string>,
  };
}

/** Attribute helpers shared by the projections: skip what the model does not know. */
export class AttributeBag {
  readonly values: Attributes = {};

  set(key: string, value: string | number | boolean | undefined | null): this {
    if (value === undefined || value === null) return this;
    if (typeof value === 'number' && !Number.isFinite(value)) return this;
    this.values[key] = value;
    return this;
  }

  list(key: string, value: readonly string[] | undefined): this {
    if (value && value.length > 0) this.values[key] = [...value];
    return this;
  }

  /** A structured value as a JSON string (OTLP/JS attributes cannot hold maps). */
  json(key: string, value: unknown): this {
    if (value === undefined) return this;
    return this.set(key, toJson(value));
  }
}

/** JSON that never throws (cycles, bigints): content must not break an export. */
export function toJson(value: unknown): string {
  // The plain call first: a replacer function makes JSON.stringify several times slower, and
  // only a cycle or a BigInt (both throw here) needs one.
  try {
    const text = JSON.stringify(value);
    if (text !== undefined) return text;
  } catch {
    // fall through to the tolerant form
  }
  try {
    const seen = new WeakSet<object>();
    const text = JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (v !== null && typeof v === 'object') {
        if (seen.has(v)) return '[cycle]';
        seen.add(v);
      }
      return v;
    });
    return text ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * A projection plus attributes from another component (the adaptive learner's plan on run
 * spans). The projection's own attributes win on a clash.
 */
export function withExtraAttributes(base: SpanProjection, extra: (subject: SpanSubject) => Attributes | undefined): SpanProjection {
  return {
    ...base,
    attributes: (span) => ({ ...extra(span.subject), ...base.attributes(span) }),
  };
}
