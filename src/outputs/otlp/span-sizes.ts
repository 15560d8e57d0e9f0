// The sizing pass of the span encoder (span-encoder.ts): walks a request once and records,
// in visiting order, the length of every nested message and string, converting each long
// string to UTF-8 into a scratch arena that the write pass copies from.

import type { Attributes, Link } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-node';

/** Strings at least this long are converted once, here. */
export const LONG_STRING = 256;
export const MIN_INT64 = -(2 ** 63);
export const MAX_INT64 = 2 ** 63;
const utf8 = new TextEncoder();
/** The scratch arena is kept between requests up to this size (a larger one is let go). */
const ARENA_KEEP_BYTES = 16 * 1024 * 1024;
let arena: Uint8Array = new Uint8Array(1024 * 1024);

export const varintSize = (v: number): number => (v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5);
/** Tag + length prefix + body of a length-delimited field. */
export const ld = (body: number): number => 1 + varintSize(body) + body;

/** The UTF-8 the last sizing pass converted (valid until the next one starts). */
export function arenaBytes(): Uint8Array {
  return arena;
}

/** After a request: an arena grown past the keep size is let go. */
export function trimArena(): void {
  if (arena.length > ARENA_KEEP_BYTES) arena = new Uint8Array(1024 * 1024);
}

export class SizePass {
  /** Lengths of nested messages and strings, in visiting order. */
  readonly sizes: number[] = [];
  /** Bytes of `arena` used by this pass's long strings. */
  private arenaUsed = 0;


  private open(): number {
    this.sizes.push(0);
    return this.sizes.length - 1;
  }

  private close(i: number, n: number): number {
    this.sizes[i] = n;
    return n;
  }

  private sizeString(s: string): number {
    let n: number;
    if (s.length >= LONG_STRING) {
      // At most 3 bytes of UTF-8 per UTF-16 code unit.
      if (arena.length - this.arenaUsed < s.length * 3) {
        const grown = new Uint8Array(Math.max(arena.length * 2, this.arenaUsed + s.length * 3));
        grown.set(arena.subarray(0, this.arenaUsed));
        arena = grown;
      }
      n = utf8.encodeInto(s, arena.subarray(this.arenaUsed)).written;
      this.arenaUsed += n;
    } else n = Buffer.byteLength(s, 'utf8');
    this.sizes.push(n);
    return 1 + varintSize(n) + n;
  }

  sizeResourceSpans(resource: Resource, scopes: Map<InstrumentationScope, ReadableSpan[]>): number {
    const i = this.open();
    let n = ld(this.sizeResource(resource));
    for (const [scope, spans] of scopes) n += ld(this.sizeScopeSpans(scope, spans));
    if (resource.schemaUrl) n += this.sizeString(resource.schemaUrl);
    return this.close(i, n);
  }

  private sizeResource(resource: Resource): number {
    const i = this.open();
    const n = this.sizeAttributes(resource.attributes) + 2;
    return this.close(i, n);
  }

  private sizeScopeSpans(scope: InstrumentationScope, spans: readonly ReadableSpan[]): number {
    const i = this.open();
    let n = ld(this.sizeScope(scope));
    for (const span of spans) n += ld(this.sizeSpan(span));
    if (scope.schemaUrl) n += this.sizeString(scope.schemaUrl);
    return this.close(i, n);
  }

  private sizeScope(scope: InstrumentationScope): number {
    const i = this.open();
    let n = this.sizeString(scope.name);
    if (scope.version) n += this.sizeString(scope.version);
    return this.close(i, n);
  }

  private sizeSpan(span: ReadableSpan): number {
    const i = this.open();
    const ctx = span.spanContext();
    let n = 18 + 10; // trace_id (16 bytes), span_id (8 bytes)
    const traceState = ctx.traceState?.serialize();
    if (traceState) n += this.sizeString(traceState);
    if (span.parentSpanContext?.spanId) n += 10;
    n += this.sizeString(span.name);
    if (span.kind != null) n += 2;
    n += 18; // start and end times
    n += this.sizeAttributes(span.attributes);
    n += 1 + varintSize(span.droppedAttributesCount ?? 0);
    for (const ev of span.events) n += ld(this.sizeEvent(ev));
    n += 1 + varintSize(span.droppedEventsCount ?? 0);
    for (const link of span.links) n += ld(this.sizeLink(link));
    n += 1 + varintSize(span.droppedLinksCount ?? 0);
    n += ld(this.sizeStatus(span.status));
    n += 6; // flags (tag 16 takes two bytes) + fixed32
    return this.close(i, n);
  }

  private sizeEvent(ev: TimedEvent): number {
    const i = this.open();
    let n = 9 + this.sizeString(ev.name);
    if (ev.attributes) n += this.sizeAttributes(ev.attributes);
    n += 1 + varintSize(ev.droppedAttributesCount ?? 0);
    return this.close(i, n);
  }

  private sizeLink(link: Link): number {
    const i = this.open();
    let n = 18 + 10;
    const traceState = link.context.traceState?.serialize();
    if (traceState) n += this.sizeString(traceState);
    if (link.attributes) n += this.sizeAttributes(link.attributes);
    n += 1 + varintSize(link.droppedAttributesCount ?? 0);
    n += 5;
    return this.close(i, n);
  }

  private sizeStatus(status: ReadableSpan['status']): number {
    const i = this.open();
    let n = 0;
    if (status.message) n += this.sizeString(status.message);
    n += 1 + varintSize(status.code);
    return this.close(i, n);
  }

  private sizeAttributes(attrs: Attributes): number {
    let n = 0;
    for (const key in attrs) {
      if (!Object.prototype.hasOwnProperty.call(attrs, key)) continue;
      n += ld(this.sizeKeyValue(key, attrs[key]));
    }
    return n;
  }

  private sizeKeyValue(key: string, value: unknown): number {
    const i = this.open();
    return this.close(i, this.sizeString(key) + ld(this.sizeAnyValue(value)));
  }

  private sizeAnyValue(value: unknown): number {
    const i = this.open();
    let n = 0;
    if (typeof value === 'string') n = this.sizeString(value);
    else if (typeof value === 'boolean') n = 2;
    else if (typeof value === 'number') n = Number.isInteger(value) && value >= MIN_INT64 && value < MAX_INT64 ? 1 + int64Size(value) : 9;
    else if (value instanceof Uint8Array) {
      this.sizes.push(value.length);
      n = 1 + varintSize(value.length) + value.length;
    } else if (Array.isArray(value)) {
      const j = this.open();
      let m = 0;
      for (const item of value) m += ld(this.sizeAnyValue(item));
      n = ld(this.close(j, m));
    } else if (typeof value === 'object' && value !== null) {
      const j = this.open();
      let m = 0;
      for (const k in value) {
        if (!Object.prototype.hasOwnProperty.call(value, k)) continue;
        m += ld(this.sizeKeyValue(k, (value as Record<string, unknown>)[k]));
      }
      n = ld(this.close(j, m));
    }
    return this.close(i, n);
  }
}

export function int64Size(v: number): number {
  if (v < 0) return 10;
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}
