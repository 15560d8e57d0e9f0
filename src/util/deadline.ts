// Request deadlines that do not expire because this process stood still.
//
// When the event loop is blocked past a deadline (a gateway busy loading plugins for a
// subagent, a long synchronous compile), Node runs the expired timers BEFORE it reads the
// sockets on the next turn: a response that arrived during the stall loses to its own
// timeout, the request is counted as failed and sent again (a duplicate at the receiver).
// A deadline here counts only time the process was running: a timer that fires late gives
// back the time lost to the stall (the request may not even have been written yet) and lets
// pending I/O in first; a timer that fires on time expires as usual.

/** A timer firing this much after it was due means the loop stood still. */
const STALL_MS = 500;
/** The least a late deadline waits for an answer that may already be in the socket. */
const GRACE_MS = 1_000;

export interface Deadline {
  clear(): void;
}

/** Calls `onExpire` once `ms` have passed while the process was running (see above). */
export function startDeadline(ms: number, onExpire: () => void, clock: () => number = () => performance.now()): Deadline {
  let timer: NodeJS.Timeout | undefined;
  // Graces are bounded so a process that stalls over and over still gives up: at most twice
  // the deadline again.
  let graceLeft = Math.max(GRACE_MS, 2 * ms);
  const arm = (delay: number): void => {
    const due = clock() + delay;
    timer = setTimeout(() => {
      const late = clock() - due;
      if (late > STALL_MS && graceLeft > 0) {
        const grace = Math.min(Math.max(GRACE_MS, late), graceLeft);
        graceLeft -= grace;
        arm(grace);
        return;
      }
      timer = undefined;
      onExpire();
    }, delay);
    timer.unref();
  };
  arm(Math.max(0, ms));
  return {
    clear() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** An AbortSignal for fetch and the AWS SDK, aborted with a `TimeoutError` like AbortSignal.timeout. */
export function deadlineSignal(ms: number): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const deadline = startDeadline(ms, () => controller.abort(new DOMException(`no response within ${ms} ms`, 'TimeoutError')));
  return { signal: controller.signal, clear: () => deadline.clear() };
}
