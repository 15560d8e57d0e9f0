// After delivery a session keeps its runs' summaries (finalize/release.ts), not their content.

import { releaseContent } from '../finalize/release.ts';
import type { Run } from '../trace/model.ts';
import type { SessionState } from './state.ts';

/**
 * Replaces `run` in its session's delivered runs by its summary, and returns that.
 * `keepSessionIo`: some output exports the session's first prompt and last answer.
 */
export function releaseDelivered(s: SessionState, run: Run, keepSessionIo: boolean): Run {
  const runs = s.session.runs;
  const i = runs.indexOf(run);
  if (i < 0) return run;
  // The session span's input is the first prompt: only the first run that has one keeps it.
  let earlierPrompt = !keepSessionIo;
  for (let k = 0; k < i && !earlierPrompt; k++) earlierPrompt = runs[k]!.prompt !== undefined;
  return (runs[i] = releaseContent(run, !earlierPrompt, keepSessionIo));
}
