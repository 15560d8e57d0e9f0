// Incremental serialization of one top-level session's trajectory file.
//
// A run does not change after runEnded, so its steps are serialized once (without step_id,
// which depends on what precedes the run) and kept as Buffers. A checkpoint then only
// serializes what is new (the run that just ended, the header, final_metrics, extra) and
// hands the writer a list of Buffers: the cached step bodies with tiny `{"step_id":N,`
// prefixes in between. Serialization work per checkpoint is O(new run), not O(session).
//
// The render also says where each top-level step ends (Layout), so the writer can tell that
// a new checkpoint only adds steps after what is already on disk and write just the bytes
// from there on (see sink.ts and append-write.ts) instead of the whole file.
//
// Late changes: a run is frozen once delivered; a correction (runAmended) is a new run in its
// place, rendered afresh at the next checkpoint. A cached run is also rebuilt when what it
// depended on changed: the system prompt before it, or the embedded id of a subagent one of
// its tool calls spawned (children become embeddable only once they have steps, usually after
// the parent's run ended). The final write reuses every run still valid, which is what lets a
// run's content go once it is serialized: the session keeps only the run's summary
// (finalize/release.ts) and this cache keeps the run given at runEnded until its steps are
// serialized (longer only if it spawned a subagent). A late annotation is applied to the
// serialized steps.

import type { Mark, Run, Session, ToolSpan } from '../../trace/model.ts';
import { rootOf } from '../../trace/model.ts';
import { annotateSteps } from './annotations.ts';
import type { StepTotals } from './agent-step.ts';
import { planDocument } from './document.ts';
import type { Block, ChildLinks } from './document.ts';
import { Chunks, headParts, write } from './serialize.ts';
import type { Cut, HeadParts } from './serialize.ts';

export { headParts, sameHead } from './serialize.ts';
export type { Cut, HeadParts } from './serialize.ts';
import { runSteps } from './run-steps.ts';
import type { AtifMeta, AtifStepBody, AtifSubagentRef } from './types.ts';
import type { Annotation } from '../../trace/annotation.ts';
import { OnFile, heldBytes } from './spill.ts';
import { marksKey, patchUserMarks } from './amend-steps.ts';
import type { Body, FileRef, InMemory } from './spill.ts';
import { systemStepPieces } from './pieces.ts';

interface CachedRun {
  /** runKey of the run. */
  key: string;
  prevSystemPrompt: string | undefined;
  /** Session-level compaction marks placed inside this run when it was serialized. */
  sessionMarks: number;
  /** The session's model when serialized: an agent step without one of its own falls back to it. */
  sessionModel: string | undefined;
  /** The run's own marks when serialized (a late correction adds some). */
  marks: { other: string; compactions: number };
  /** Every tool call of the run, with the subagent ref it resolved to ('' for none). */
  deps: { toolCallId: string; childSessionKey: string | undefined; ref: string }[];
  /** The steps serialized without annotation; `block` has the current annotation on them. */
  plain: Body[];
  /** The run's annotation (JSON) in `block`; '' for none. */
  annotation: string;
  /** Its steps: Buffers until written, then where they are in the file (spill.ts). */
  block: Block<Body>;
}

/** Reads bodies kept in a file back into memory (the sink knows the directory). */
export type ReadBodies = (bodies: readonly Body[]) => Buffer[];

function refKey(ref: AtifSubagentRef | undefined): string {
  return ref ? JSON.stringify(ref) : '';
}

/** The body of a serialized step: its JSON minus the opening brace, so `{"step_id":N,` can precede it. */
function stepBody(step: AtifStepBody): InMemory {
  return systemStepPieces(step) ?? plainBody(step);
}

/** Mark steps stay one Buffer: serialized anew at every render, they are compared by content (sink.ts sameBody). */
function plainBody(step: AtifStepBody): Buffer {
  return Buffer.from(JSON.stringify(step).slice(1), 'utf8');
}

/**
 * Serialized steps with an annotation applied: parsed back (JSON round trips byte for byte),
 * annotated as a fresh render would be, serialized again. The run's content is gone by then.
 */
function annotateSerialized(plain: Body[], annotation: Annotation | undefined, read: ReadBodies): Body[] {
  if (!annotation) return plain;
  const steps = read(plain).map((b) => JSON.parse(`{${b.toString('utf8')}`) as AtifStepBody);
  return annotateSteps(steps, annotation).map(stepBody);
}

/**
 * What the top of the file is made of: the head (everything before the first step) and the
 * top-level step bodies, with the position right after each of them. Two renders whose head
 * is equal and whose bodies are the same Buffers agree byte for byte up to that position.
 */
export interface Layout {
  head: HeadParts;
  bodies: Body[];
  ends: Cut[];
}

export interface Rendered {
  /** OnFile chunks are read back before writing (spill.ts resolveBodies). */
  chunks: Body[];
  /** Where each chunk starts in the file. */
  offsets: number[];
  bytes: number;
  trajectoryId: string;
  sessionId: string | undefined;
  layout: Layout;
  /** The cached runs this render used: once it is written, their steps are in the file. */
  used: CachedRun[];
}

/**
 * A run's key in the cache: its session's span id and its own. The session keeps only a
 * summary of a delivered run (finalize/release.ts), a new object with the same ids, so runs
 * are known by id, not by object. A run's span id alone is unique only within its session
 * (the engine keeps OpenClaw's span id while no open or recent run of ours has it): two
 * sessions' runs may share one, and their steps must not.
 */
function runKey(session: Session, run: Run): string {
  return `${session.spanId}/${run.spanId}`;
}

export class TrajectoryCache {
  // The run this sink was given at runEnded is kept here until its steps are serialized, and
  // the steps from then on, by runKey.
  private readonly ended = new Set<string>();
  /** Delivered runs whose steps may still have to be serialized from their content. */
  private readonly content = new Map<string, Run>();
  private readonly runs = new Map<string, CachedRun>();
  /** Runs serialized from a summary (their content was never given to this sink). */
  summaryRenders = 0;
  /** Serialized runs reused though what they depended on changed (their content was gone). */
  staleReuses = 0;

  /** Records that a run is finished (or corrected: the new run replaces what was serialized). */
  runEnded(session: Session, run: Run): void {
    const key = runKey(session, run);
    this.ended.add(key);
    this.content.set(key, run);
    this.runs.delete(key);
  }

  /**
   * A correction of a delivered run. Given as a summary (the engine released the content),
   * it is merged into the content still held here, else patched into the serialized steps at
   * the next render (amend-steps.ts).
   */
  runAmended(session: Session, run: Run): void {
    if (!run.contentReleased) return this.runEnded(session, run);
    const key = runKey(session, run);
    this.ended.add(key);
    const content = this.content.get(key);
    if (!content) return;
    this.content.set(key, { ...content, marks: run.marks, ...(run.reportedUsage ? { reportedUsage: run.reportedUsage } : {}) });
    this.runs.delete(key);
  }

  /** The file of `root` is final: its runs' steps and content are no longer needed. */
  forget(root: Session): void {
    const stack: { s: Session; depth: number }[] = [{ s: root, depth: 0 }];
    while (stack.length > 0) {
      const { s, depth } = stack.pop()!;
      for (const run of s.runs) {
        const key = runKey(s, run);
        this.ended.delete(key);
        this.content.delete(key);
        this.runs.delete(key);
      }
      if (depth < 16) for (const c of s.children) if (c !== s) stack.push({ s: c, depth: depth + 1 });
    }
  }

  /** How many runs this cache holds content or serialized steps of (tests, status). */
  sizes(): { contentRuns: number; serializedRuns: number; stepBytesInMemory: number; stepBytesOnFile: number } {
    let inMemory = 0;
    let onFile = 0;
    for (const c of this.runs.values()) {
      for (const list of c.plain === c.block.steps ? [c.plain] : [c.plain, c.block.steps]) {
        for (const b of list) {
          if (b instanceof OnFile) onFile += b.length;
          else inMemory += heldBytes(b);
        }
      }
    }
    return { contentRuns: this.content.size, serializedRuns: this.runs.size, stepBytesInMemory: inMemory, stepBytesOnFile: onFile };
  }

  /**
   * The file content for `root`, or undefined when it has no step yet. A checkpoint holds the
   * runs that ended; the final version holds every run.
   */
  render(root: Session, meta: AtifMeta, final: boolean, read: ReadBodies): Rendered | undefined {
    const used: CachedRun[] = [];
    const plan = planDocument<Body>(root, meta, {
      includeRun: (s, run) => final || this.ended.has(runKey(s, run)),
      runBlock: (s, run, prev, links, marks) => this.block(s, run, prev, links, marks, meta, read, used),
      markStep: (_s, step) => plainBody(step),
    });
    if (!plan) return undefined;
    const out = new Chunks();
    const layout: Layout = { head: headParts(plan.head), bodies: plan.steps, ends: [] };
    write(plan, out, layout.ends, layout.head);
    out.text('\n');
    const chunks = out.done();
    return { chunks, offsets: out.offsets, bytes: out.bytes, trajectoryId: plan.head.trajectory_id, sessionId: plan.head.session_id, layout, used };
  }

  /**
   * `r` is written to the file `ref` names: the run steps it holds in memory are kept there
   * from now on, and those already there are where this write put them.
   */
  spill(r: Rendered, ref: FileRef): void {
    const at = new Map<Body, number>();
    r.chunks.forEach((c, i) => at.set(c, r.offsets[i]!));
    const swapped = new Map<Body, OnFile>();
    const swap = (b: Body): Body => {
      const offset = at.get(b);
      if (offset === undefined) return b;
      if (b instanceof OnFile) {
        b.at = offset;
        b.ref = ref;
        return b;
      }
      let o = swapped.get(b);
      if (!o) swapped.set(b, (o = new OnFile(b.length, offset, ref)));
      return o;
    };
    for (const c of r.used) {
      const steps = c.block.steps.map(swap);
      if (c.plain === c.block.steps) c.plain = steps;
      c.block = { ...c.block, steps };
    }
    r.layout.bodies = r.layout.bodies.map((b) => swapped.get(b) ?? b);
  }

  /** The run steps of `root`'s tree kept in `ref`'s file, back in memory (that file is about to go). */
  async unspill(root: Session, ref: FileRef, read: (bodies: readonly Body[]) => Promise<InMemory[]>): Promise<void> {
    for (const c of this.cachedOf(root)) {
      const mine = (b: Body) => b instanceof OnFile && b.ref === ref;
      if (!c.block.steps.some(mine) && !c.plain.some(mine)) continue;
      const steps = await read(c.block.steps);
      c.plain = c.plain === c.block.steps ? steps : await read(c.plain);
      c.block = { ...c.block, steps };
    }
  }

  /** Steps kept in a file that is gone: the runs of `root`'s tree are serialized again. */
  dropSpilled(root: Session): void {
    for (const c of this.cachedOf(root)) {
      if (c.block.steps.some((b) => b instanceof OnFile) || c.plain.some((b) => b instanceof OnFile)) this.runs.delete(c.key);
    }
  }

  /** The run's marks changed after its content went (a late correction): patched into its user step. */
  private amendFromSummary(cached: CachedRun, run: Run, annotation: Annotation | undefined, read: ReadBodies): void {
    const now = marksKey(run);
    if (now.other === cached.marks.other && now.compactions === cached.marks.compactions) return;
    const patched = now.compactions === cached.marks.compactions ? patchUserMarks(read(cached.plain), run, run.marks) : undefined;
    if (!patched) return; // left stale (counted by the caller's validity check)
    cached.plain = patched;
    cached.block = { ...cached.block, steps: annotateSerialized(patched, annotation, read) };
    cached.annotation = annotation ? JSON.stringify(annotation) : '';
    cached.marks = now;
  }

  private cachedOf(root: Session): CachedRun[] {
    const out: CachedRun[] = [];
    const stack: { s: Session; depth: number }[] = [{ s: root, depth: 0 }];
    while (stack.length > 0) {
      const { s, depth } = stack.pop()!;
      for (const run of s.runs) {
        const c = this.runs.get(runKey(s, run));
        if (c) out.push(c);
      }
      if (depth < 16) for (const c of s.children) if (c !== s) stack.push({ s: c, depth: depth + 1 });
    }
    return out;
  }

  private block(session: Session, run: Run, prev: string | undefined, links: ChildLinks, marks: readonly Mark[], meta: AtifMeta, read: ReadBodies, used: CachedRun[]): Block<Body> {
    const key = runKey(session, run);
    const cached = this.runs.get(key);
    const annotation = meta.runAnnotation?.(rootOf(session), run.runId);
    const annotationKey = annotation ? JSON.stringify(annotation) : '';
    const content = this.content.get(key);
    if (cached && content === undefined && run.contentReleased) this.amendFromSummary(cached, run, annotation, read);
    if (cached) {
      const valid =
        cached.marks.other === marksKey(run).other &&
        cached.marks.compactions === marksKey(run).compactions &&
        cached.prevSystemPrompt === prev &&
        cached.sessionMarks === marks.length &&
        cached.sessionModel === session.model &&
        cached.deps.every((d) => refKey(links.resolve(d as unknown as ToolSpan)) === d.ref);
      if (!valid && content === undefined) this.staleReuses++;
      if (valid || content === undefined) {
        if (cached.annotation !== annotationKey) {
          cached.block = { ...cached.block, steps: annotateSerialized(cached.plain, annotation, read) };
          cached.annotation = annotationKey;
        }
        used.push(cached);
        return cached.block;
      }
    }
    const source = content ?? run;
    if (source.contentReleased) this.summaryRenders++;
    const deps: CachedRun['deps'] = [];
    let spawns = false;
    const resolve = (tool: ToolSpan): AtifSubagentRef | undefined => {
      const ref = links.resolve(tool);
      if (typeof tool.childSessionKey === 'string' || links.linked(tool)) spawns = true;
      deps.push({ toolCallId: tool.toolCallId, childSessionKey: tool.childSessionKey, ref: refKey(ref) });
      return ref;
    };
    const rs = runSteps(session, source, prev, resolve, marks);
    const plain = rs.steps.map(stepBody);
    const block: Block<Body> = { steps: annotateSerialized(plain, annotation, read), totals: rs.totals satisfies StepTotals, systemPrompt: rs.systemPrompt };
    const entry: CachedRun = { key, marks: marksKey(source), prevSystemPrompt: prev, sessionMarks: marks.length, sessionModel: session.model, deps, plain, annotation: annotationKey, block };
    this.runs.set(key, entry);
    used.push(entry);
    // Serialized: the content goes, unless a subagent it spawned may still be embedded later
    // (its tool result then points at the child's trajectory, and the steps are made again).
    if (!spawns) this.content.delete(key);
    return block;
  }
}
