// How the process this plugin lives in is doing: the event loop's delay (a gateway that
// stands still answers no websocket, no HTTP request, and times out its own exports), and
// the longest single unit the plugin's lane ran, so an operator can tell whether a stall was
// ours. Sampled by Node's own histogram (perf_hooks), off the hook path.

import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface HostHealth {
  eventLoopDelay: { p50Ms: number; p99Ms: number; maxMs: number; samples: number };
  lane: { pending: number; units: number; longestUnitMs: number };
}

export interface LaneFacts {
  readonly pending: number;
  readonly stats: { readonly units: number; readonly longestUnitMs: number };
}

const ms = (ns: number): number => Math.round(ns / 1e4) / 100;

export class HostMonitor {
  private readonly histogram: ReturnType<typeof monitorEventLoopDelay>;
  private readonly lane: LaneFacts;

  constructor(lane: LaneFacts) {
    this.lane = lane;
    // 20 ms: fine enough to see a stall, coarse enough to cost nothing.
    this.histogram = monitorEventLoopDelay({ resolution: 20 });
    this.histogram.enable();
  }

  snapshot(): HostHealth {
    const h = this.histogram;
    const samples = h.count;
    return {
      eventLoopDelay: samples > 0 ? { p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), maxMs: ms(h.max), samples } : { p50Ms: 0, p99Ms: 0, maxMs: 0, samples: 0 },
      lane: { pending: this.lane.pending, units: this.lane.stats.units, longestUnitMs: Math.round(this.lane.stats.longestUnitMs * 100) / 100 },
    };
  }

  stop(): void {
    this.histogram.disable();
  }
}
