// nemoRelay.annotate: params checked, the session (and run) resolved, then the annotation is
// handed to every sink on the lane, like any other fact (the sink contract).

import type { BackgroundLane } from '../fanout/lane.ts';
import type { TraceSink } from '../fanout/sink.ts';
import type { Annotation, AnnotationTarget } from '../trace/annotation.ts';
import type { SessionDirectory } from './directory.ts';
import { parseAnnotateParams } from './params.ts';

export interface AnnotateHost {
  readonly directory: SessionDirectory;
  readonly sinks: readonly TraceSink[];
  readonly lane: BackgroundLane;
  internalError(err: unknown, where?: string): void;
}

export type AnnotateResult =
  | { ok: true; sessionKey?: string; sessionId?: string; runId?: string; traceId: string; annotation: Annotation }
  | { ok: false; errors: string[] };

export function annotate(host: AnnotateHost, raw: unknown, now = Date.now()): AnnotateResult {
  const parsed = parseAnnotateParams(raw);
  if (!parsed.ok) return parsed;
  const { annotation, ...query } = parsed.params;
  const target = host.directory.resolve(query, now);
  if (typeof target === 'string') return { ok: false, errors: [target] };
  deliver(host, target, annotation);
  return {
    ok: true,
    ...(target.sessionKey !== undefined ? { sessionKey: target.sessionKey } : {}),
    ...(target.sessionId !== undefined ? { sessionId: target.sessionId } : {}),
    ...(target.runId !== undefined ? { runId: target.runId } : {}),
    traceId: target.traceId,
    annotation,
  };
}

function deliver(host: AnnotateHost, target: AnnotationTarget, annotation: Annotation): void {
  host.lane
    .run(() => {
      for (const sink of host.sinks) {
        try {
          sink.sessionAnnotated?.(target, annotation);
        } catch (err) {
          host.internalError(err, `${sink.name}.sessionAnnotated`);
        }
      }
    })
    .catch((err: unknown) => host.internalError(err, 'annotate'));
}
