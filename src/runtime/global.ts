// One runtime per process. OpenClaw calls register(api) several times, each time on a fresh
// copy of this module (registration modes "full", "discovery", ...), and in a gateway the
// agent-run hooks land on a different instance than the gateway methods. A module-level
// singleton would split the trace in two; a globalThis slot does not.

import { Runtime, type RuntimeOptions } from './runtime.ts';

const SLOT = Symbol.for('nemo-relay.runtime.v1');
// Apart from the slot: resetting the runtime must not add another pair of process listeners.
const EXIT_HOOKED = Symbol.for('nemo-relay.exit-hooked.v1');

type Slot = { runtime: Runtime };

function slot(): Slot | undefined {
  return (globalThis as Record<symbol, Slot | undefined>)[SLOT];
}

export function sharedRuntime(create: () => RuntimeOptions): Runtime {
  const current = slot();
  // A stopped runtime (gateway restarted in-process) is replaced by a fresh one.
  if (current && !current.runtime.stopped) return current.runtime;
  const runtime = new Runtime(create());
  (globalThis as Record<symbol, Slot | undefined>)[SLOT] = { runtime };
  const g = globalThis as Record<symbol, unknown>;
  if (!g[EXIT_HOOKED]) {
    g[EXIT_HOOKED] = true;
    // Always act on the runtime in the slot at exit time, not the one captured here.
    process.once('beforeExit', () => void slot()?.runtime.stop('process_exit'));
    process.once('exit', () => slot()?.runtime.exitSync());
  }
  return runtime;
}

/** Test hook: forget the shared runtime so the next registration starts clean. */
export function resetSharedRuntime(): void {
  (globalThis as Record<symbol, Slot | undefined>)[SLOT] = undefined;
}

export function currentRuntime(): Runtime | undefined {
  return slot()?.runtime;
}
