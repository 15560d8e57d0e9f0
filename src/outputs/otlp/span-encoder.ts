// ReadableSpans -> a serialized OTLP ExportTraceServiceRequest, the same message, field for
// field and in the same order, as @opentelemetry/otlp-transformer's ProtobufTraceSerializer
// (test/unit/outputs/otlp/span-encoder.test.ts compares the bytes).
//
// Why our own: a span of an LLM call carries the conversation and the tool schemas, tens to
// hundreds of kB of text, and the transformer walks every string twice, a UTF-16 code unit at
// a time in JavaScript (measure, then write): a third of the whole export cost in the 200x5
// profile. Here a long string is converted to UTF-8 once, in the sizing pass, with
// TextEncoder#encodeInto into a scratch arena reused from request to request (no allocation
// per string: TextEncoder#encode's fresh buffers cost as much again in allocation and GC at
// 2,000x3; Node's Buffer routines are 4x slower on the two-byte strings that JSON with any
// non-ASCII character makes), and the write pass copies the bytes. Reusing the bytes of equal
// long values across spans was tried and dropped: looking a fresh 200 kB string up in a Map
// hashes all of it, which cost more than converting it again.
//
// Two passes: SizePass (span-sizes.ts) walks the request once and records, in visiting order,
// the length of every nested message and string; WritePass walks it again in the same order
// and reads them back, so each length prefix is written once, exactly, with no shifting.

import type { Attributes, AttributeValue, HrTime } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';

import { LONG_STRING, MAX_INT64, MIN_INT64, SizePass, arenaBytes, ld, trimArena } from './span-sizes.ts';

const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;
const flagsOf = (traceFlags: number, isRemote: boolean | undefined): number => (traceFlags & 0xff) | HAS_IS_REMOTE | (isRemote ? IS_REMOTE : 0);

type Grouped = Map<Resource, Map<InstrumentationScope, ReadableSpan[]>>;

function group(spans: readonly ReadableSpan[]): Grouped {
  const out: Grouped = new Map();
  for (const span of spans) {
    let scopes = out.get(span.resource);
    if (!scopes) out.set(span.resource, (scopes = new Map()));
    let list = scopes.get(span.instrumentationScope);
    if (!list) scopes.set(span.instrumentationScope, (list = []));
    list.push(span);
  }
  return out;
}

export function encodeTraceRequest(spans: readonly ReadableSpan[]): Uint8Array {
  const grouped = group(spans);
  const sizing = new SizePass();
  let total = 0;
  for (const [resource, scopes] of grouped) total += ld(sizing.sizeResourceSpans(resource, scopes));
  const w = new WritePass(sizing.sizes, arenaBytes(), total);
  for (const [resource, scopes] of grouped) {
    w.tag(1, 2);
    w.writeResourceSpans(resource, scopes);
  }
  trimArena();
  return w.finish();
}

/** The same walk as SizePass, reading the recorded sizes back and writing the bytes. */
class WritePass {
  private readonly sizes: readonly number[];
  private readonly arena: Uint8Array;
  private next = 0;
  private arenaRead = 0;
  private readonly buf: Buffer;
  private pos = 0;

  constructor(sizes: readonly number[], arena: Uint8Array, total: number) {
    this.sizes = sizes;
    this.arena = arena;
    this.buf = Buffer.allocUnsafe(total);
  }

  finish(): Uint8Array {
    if (this.pos !== this.buf.length) throw new Error(`span encoder: wrote ${this.pos} of ${this.buf.length} bytes`);
    return this.buf;
  }


  private take(): number {
    return this.sizes[this.next++]!;
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  private varint(v: number): void {
    while (v > 0x7f) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.pos++] = v;
  }

  /** A length-delimited field's tag and its recorded length. */
  private head(field: number): void {
    this.tag(field, 2);
    this.varint(this.take());
  }

  private string(field: number, s: string): void {
    this.tag(field, 2);
    const n = this.take();
    this.varint(n);
    if (s.length >= LONG_STRING) {
      this.buf.set(this.arena.subarray(this.arenaRead, this.arenaRead + n), this.pos);
      this.arenaRead += n;
      this.pos += n;
    } else this.pos += this.buf.write(s, this.pos, n, 'utf8');
  }

  private id(field: number, hex: string, bytes: number): void {
    this.tag(field, 2);
    this.varint(bytes);
    // A malformed id writes zeros rather than shifting the message (the length is fixed).
    const written = this.buf.write(hex, this.pos, bytes, 'hex');
    this.buf.fill(0, this.pos + written, this.pos + bytes);
    this.pos += bytes;
  }

  private fixed32(v: number): void {
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }

  private time(t: HrTime): void {
    const nanos = BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
    this.buf.writeBigUInt64LE(BigInt.asUintN(64, nanos), this.pos);
    this.pos += 8;
  }

  writeResourceSpans(resource: Resource, scopes: Map<InstrumentationScope, ReadableSpan[]>): void {
    this.varint(this.take());
    this.head(1);
    this.writeAttributes(resource.attributes, 1);
    this.tag(2, 0);
    this.varint(0);
    for (const [scope, spans] of scopes) {
      this.head(2);
      this.head(1);
      this.string(1, scope.name);
      if (scope.version) this.string(2, scope.version);
      for (const span of spans) this.writeSpan(span);
      if (scope.schemaUrl) this.string(3, scope.schemaUrl);
    }
    if (resource.schemaUrl) this.string(3, resource.schemaUrl);
  }

  private writeSpan(span: ReadableSpan): void {
    this.head(2);
    const ctx = span.spanContext();
    this.id(1, ctx.traceId, 16);
    this.id(2, ctx.spanId, 8);
    const traceState = ctx.traceState?.serialize();
    if (traceState) this.string(3, traceState);
    if (span.parentSpanContext?.spanId) this.id(4, span.parentSpanContext.spanId, 8);
    this.string(5, span.name);
    if (span.kind != null) {
      this.tag(6, 0);
      this.varint(span.kind + 1);
    }
    this.tag(7, 1);
    this.time(span.startTime);
    this.tag(8, 1);
    this.time(span.endTime);
    this.writeAttributes(span.attributes, 9);
    this.tag(10, 0);
    this.varint(span.droppedAttributesCount ?? 0);
    for (const ev of span.events) {
      this.head(11);
      this.tag(1, 1);
      this.time(ev.time);
      this.string(2, ev.name);
      if (ev.attributes) this.writeAttributes(ev.attributes, 3);
      this.tag(4, 0);
      this.varint(ev.droppedAttributesCount ?? 0);
    }
    this.tag(12, 0);
    this.varint(span.droppedEventsCount ?? 0);
    for (const link of span.links) {
      this.head(13);
      this.id(1, link.context.traceId, 16);
      this.id(2, link.context.spanId, 8);
      const linkState = link.context.traceState?.serialize();
      if (linkState) this.string(3, linkState);
      if (link.attributes) this.writeAttributes(link.attributes, 4);
      this.tag(5, 0);
      this.varint(link.droppedAttributesCount ?? 0);
      this.tag(6, 5);
      this.fixed32(flagsOf(link.context.traceFlags, link.context.isRemote));
    }
    this.tag(14, 0);
    this.varint(span.droppedLinksCount ?? 0);
    this.head(15);
    if (span.status.message) this.string(2, span.status.message);
    this.tag(3, 0);
    this.varint(span.status.code);
    this.tag(16, 5);
    this.fixed32(flagsOf(ctx.traceFlags, span.parentSpanContext?.isRemote));
  }

  private writeAttributes(attrs: Attributes, field: number): void {
    for (const key in attrs) {
      if (!Object.prototype.hasOwnProperty.call(attrs, key)) continue;
      this.writeKeyValue(field, key, attrs[key]);
    }
  }

  private writeKeyValue(field: number, key: string, value: unknown): void {
    this.head(field);
    this.string(1, key);
    this.writeAnyValue(2, value);
  }

  private writeAnyValue(field: number, value: unknown): void {
    this.head(field);
    if (typeof value === 'string') this.string(1, value);
    else if (typeof value === 'boolean') {
      this.tag(2, 0);
      this.varint(value ? 1 : 0);
    } else if (typeof value === 'number') {
      if (Number.isInteger(value) && value >= MIN_INT64 && value < MAX_INT64) {
        this.tag(3, 0);
        this.int64(value);
      } else {
        this.tag(4, 1);
        this.buf.writeDoubleLE(value, this.pos);
        this.pos += 8;
      }
    } else if (value instanceof Uint8Array) {
      this.tag(7, 2);
      this.varint(this.take());
      this.buf.set(value, this.pos);
      this.pos += value.length;
    } else if (Array.isArray(value)) {
      this.head(5);
      for (const item of value) this.writeAnyValue(1, item as AttributeValue);
    } else if (typeof value === 'object' && value !== null) {
      this.head(6);
      for (const k in value) {
        if (!Object.prototype.hasOwnProperty.call(value, k)) continue;
        this.writeKeyValue(1, k, (value as Record<string, unknown>)[k]);
      }
    }
  }

  /** int64 as a varint: negatives in two's complement (ten bytes). */
  private int64(v: number): void {
    if (v >= 0 && v <= 0xffffffff) return this.varint(v);
    let x = BigInt.asUintN(64, BigInt(v));
    while (x > 0x7fn) {
      this.buf[this.pos++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.pos++] = Number(x);
  }
}
