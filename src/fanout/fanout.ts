// Fan-out: the engine's output, delivered to every sink in list order (the enrich stage
// first, so outputs read a plan that already learned from the run). The engine already runs
// this on the lane (its `defer`), so a sink is called on the lane, in order; a sink that
// throws is counted and the others still get the call.

import type { EngineOutput } from '../correlate/context.ts';
import type { Run, RunAmendment, Session } from '../trace/model.ts';
import type { TraceSink } from './sink.ts';

export type SinkError = (err: unknown, where: string) => void;

export function fanOut(sinks: readonly TraceSink[], onError: SinkError): Required<EngineOutput> {
  return {
    runEnded(session: Session, run: Run) {
      for (const sink of sinks) {
        try {
          sink.runEnded(session, run);
        } catch (err) {
          onError(err, `${sink.name}.runEnded`);
        }
      }
    },
    runAmended(session: Session, amendment: RunAmendment) {
      for (const sink of sinks) {
        try {
          sink.runAmended?.(session, amendment);
        } catch (err) {
          onError(err, `${sink.name}.runAmended`);
        }
      }
    },
    sessionEnded(session: Session) {
      for (const sink of sinks) {
        try {
          sink.sessionEnded(session);
        } catch (err) {
          onError(err, `${sink.name}.sessionEnded`);
        }
      }
    },
  };
}
