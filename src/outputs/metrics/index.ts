// The metrics output's registry entry: `opentelemetry.metrics` (config version 4) as one sink
// with a reader per enabled endpoint. The plugin's own health (hook events, drops, queue
// depth) is read from the runtime when a collection runs, never on the hook path.

import type { OutputEntry } from '../registry.ts';
import { targetOf } from '../otlp/transport.ts';
import { healthSourceFrom } from './health-source.ts';
import { createMetricsSink } from './sink.ts';

export const metricsOutput: OutputEntry = {
  name: 'metrics',
  create(config, ctx) {
    const m = config.metrics;
    if (!m?.enabled) return [];
    const endpoints = m.endpoints.filter((e) => e.enabled).map((e) => targetOf(e));
    if (endpoints.length === 0) return [];
    const { hookEvents, outputs } = ctx;
    return [
      createMetricsSink({
        name: 'opentelemetry.metrics',
        enabled: true,
        endpoints,
        exportIntervalMillis: m.exportIntervalMillis,
        temporality: m.temporality,
        cardinalityLimit: m.cardinalityLimit,
        maxInstruments: m.maxInstruments,
        serviceName: m.serviceName,
        resourceAttributes: m.resourceAttributes,
        version: ctx.pluginVersion,
        ...(hookEvents && outputs ? { healthSource: healthSourceFrom(outputs, hookEvents) } : {}),
      }),
    ];
  },
};
