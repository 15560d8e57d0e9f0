// The pieces a trajectory file is written from: the output collected as Buffers (run steps
// kept as they were cached, text merged), and the head with its shared tool definitions.

import type { DocHead, DocPlan } from './document.ts';
import type { Body } from './spill.ts';

/** Collects output pieces; short strings are merged so writev gets few, large iovecs. */
export class Chunks {
  readonly list: Body[] = [];
  /** The byte offset at which each chunk of `list` starts. */
  readonly offsets: number[] = [];
  bytes = 0;
  private pending = '';

  /** Where the output stands now (pending text flushed, so the position is a chunk boundary). */
  mark(): Cut {
    this.flushText();
    return { chunk: this.list.length, byte: this.bytes };
  }

  text(s: string): void {
    this.pending += s;
  }

  buffer(b: Body): void {
    this.flushText();
    this.offsets.push(this.bytes);
    this.list.push(b);
    this.bytes += b.length;
  }

  done(): Body[] {
    this.flushText();
    return this.list;
  }

  private flushText(): void {
    if (this.pending.length === 0) return;
    const b = Buffer.from(this.pending, 'utf8');
    this.pending = '';
    this.offsets.push(this.bytes);
    this.list.push(b);
    this.bytes += b.length;
  }
}


/** A position in the rendered output: the index of the chunk that starts there, and its byte offset. */
export interface Cut {
  chunk: number;
  byte: number;
}

/**
 * The head's JSON without its closing brace, in three parts: the tool definitions (by far the
 * largest part: the schemas of every tool) are one Buffer shared by every session with the
 * same tools, and only the few hundred bytes around them are serialized per render.
 */
export interface HeadParts {
  before: string;
  tools: Buffer | undefined;
  after: string;
}

const TOOLS_SLOT = '\u0000tool_definitions\u0000';
const TOOLS_SLOT_JSON = JSON.stringify(TOOLS_SLOT);
const toolsJson = new WeakMap<object, Buffer>();

export function headParts(head: DocHead): HeadParts {
  const tools = head.agent.tool_definitions;
  if (!tools) return { before: JSON.stringify(head).slice(0, -1), tools: undefined, after: '' };
  let buf = toolsJson.get(tools);
  if (!buf) toolsJson.set(tools, (buf = Buffer.from(JSON.stringify(tools), 'utf8')));
  // Same keys in the same order as the head itself, the definitions swapped for a marker.
  const agent: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(head.agent)) agent[k] = k === 'tool_definitions' ? TOOLS_SLOT : v;
  const json = JSON.stringify({ ...head, agent }).slice(0, -1);
  const at = json.indexOf(TOOLS_SLOT_JSON);
  return { before: json.slice(0, at), tools: buf, after: json.slice(at + TOOLS_SLOT_JSON.length) };
}

export function sameHead(a: HeadParts, b: HeadParts): boolean {
  return a.tools === b.tools && a.before === b.before && a.after === b.after;
}

/** `ends`, when given, receives the position after each step of this (top-level) document. */
export function write(plan: DocPlan<Body>, out: Chunks, ends?: Cut[], head: HeadParts = headParts(plan.head)): void {
  // The head's JSON without its closing brace; steps, metrics, children and extra follow.
  out.text(head.before);
  if (head.tools) out.buffer(head.tools);
  out.text(head.after);
  out.text(',"steps":[\n');
  plan.steps.forEach((body, i) => {
    out.text(`${i > 0 ? ',\n' : ''}{"step_id":${i + 1},`);
    out.buffer(body);
    ends?.push(out.mark());
  });
  out.text('\n],"final_metrics":');
  out.text(JSON.stringify(plan.final_metrics));
  if (plan.children.length > 0) {
    out.text(',"subagent_trajectories":[\n');
    plan.children.forEach((child, i) => {
      if (i > 0) out.text(',\n');
      write(child, out);
    });
    out.text('\n]');
  }
  if (plan.extra) out.text(`,"extra":${JSON.stringify(plan.extra)}`);
  out.text('}');
}
