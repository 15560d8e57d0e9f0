// Marks: point-in-time annotations on a session, run, call or tool, counted.

import type { Mark, MarkSeverity } from '../trace/model.ts';
import { sharedText } from '../util/intern.ts';
import type { EngineContext } from './context.ts';

export function mark(
  ctx: EngineContext,
  list: Mark[],
  time: number,
  name: string,
  severity: MarkSeverity,
  message: string,
  attributes?: Mark['attributes'],
): void {
  list.push(newMark(time, name, severity, message, attributes));
  ctx.counters.marks++;
}

export function newMark(time: number, name: string, severity: MarkSeverity, message: string, attributes?: Mark['attributes']): Mark {
  // Open sessions keep their marks: the same message is one string for all of them.
  return { name: sharedText.get(name), time, severity, message: sharedText.get(message), ...(attributes ? { attributes } : {}) };
}
