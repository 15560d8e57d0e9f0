// The stand-in host for the replay: two instances ("full" and "discovery") of the test
// stand-in (scripts/lib/fake-host.ts) that only collect handlers, as OpenClaw's registry
// does, and a flat call schedule resolved from the deliveries before timing starts.

import { fakeInstance, type FakeInstance, type Handler } from '../../scripts/lib/fake-host.ts';
import type { Delivery } from '../workload/workload.ts';

export interface PluginEntry {
  id: string;
  register(api: never): unknown;
}

export interface Host {
  instances: Map<string, FakeInstance>;
}

export const MODES = ['full', 'discovery'] as const;

/** Registers the entry once per mode, as OpenClaw does in a gateway process. */
export function startHost(entry: PluginEntry, pluginConfig: unknown): Host {
  const instances = new Map<string, FakeInstance>();
  for (const mode of MODES) {
    const inst = fakeInstance(mode, pluginConfig);
    entry.register(inst.api as never);
    instances.set(mode, inst);
  }
  return { instances };
}

/**
 * Parallel arrays, one slot per handler call: the replay loop then does nothing per call
 * but index, time and call, whatever plugin is under test.
 */
export interface Schedule {
  handlers: Handler[];
  events: unknown[];
  ctxs: unknown[];
  /** Index into `hookNames`. */
  hooks: Uint8Array;
  hookNames: string[];
  /** Hook events delivered (a delivery with two handlers is one event, two calls). */
  eventCount: number;
}

export function schedule(host: Host, deliveries: Delivery[], hookNames: string[] = []): Schedule {
  const names = [...hookNames];
  const index = new Map(names.map((n, i) => [n, i]));
  const s: Schedule = { handlers: [], events: [], ctxs: [], hooks: new Uint8Array(0), hookNames: names, eventCount: 0 };
  const hookIdx: number[] = [];
  for (const d of deliveries) {
    const inst = host.instances.get(d.mode) ?? host.instances.get('full')!;
    const list = inst.hooks.get(d.hook) ?? [];
    s.eventCount++;
    let i = index.get(d.hook);
    if (i === undefined) {
      i = names.length;
      names.push(d.hook);
      index.set(d.hook, i);
    }
    for (const h of list) {
      s.handlers.push(h);
      s.events.push(d.event);
      s.ctxs.push(d.ctx);
      hookIdx.push(i);
    }
  }
  if (names.length > 255) throw new Error('too many hook names');
  s.hooks = Uint8Array.from(hookIdx);
  return s;
}

/** Lets go of every event object the schedule holds (before the retained-heap measurement). */
export function releaseSchedule(s: Schedule): void {
  s.handlers.length = 0;
  s.events.length = 0;
  s.ctxs.length = 0;
}
