// The logs output's registry entry: `opentelemetry.logs` as one sink with a batch processor per
// enabled endpoint, plus the watch that turns other outputs' failures into log records (its
// timer stops when the sink shuts down).

import type { TraceSink } from '../../fanout/sink.ts';
import type { OutputEntry } from '../registry.ts';
import { targetOf } from '../otlp/transport.ts';
import { startOutputWatch } from './output-watch.ts';
import { createLogsSink } from './sink.ts';

export const logsOutput: OutputEntry = {
  name: 'logs',
  create(config, ctx) {
    const l = config.logs;
    if (!l?.enabled) return [];
    const endpoints = l.endpoints.filter((e) => e.enabled).map((e) => targetOf(e));
    if (endpoints.length === 0) return [];
    const sink = createLogsSink({
      name: 'opentelemetry.logs',
      enabled: true,
      endpoints,
      minimumSeverity: l.minimumSeverityNumber,
      maxQueueSize: l.maxQueueSize,
      maxExportBatchSize: l.maxExportBatchSize,
      scheduledDelayMillis: l.scheduledDelayMillis,
      serviceName: l.serviceName,
      resourceAttributes: l.resourceAttributes,
      ...(l.attributeValueLengthLimit !== undefined ? { attributeValueLengthLimit: l.attributeValueLengthLimit } : {}),
      version: ctx.pluginVersion,
    });
    const outputs = ctx.outputs;
    if (!outputs) return [sink];
    const stopWatch = startOutputWatch(sink, () => outputs().filter((s) => s !== wrapped));
    // The sink is a plain object of closures: a copy with its own shutdown also stops the watch.
    const wrapped: TraceSink = {
      ...sink,
      shutdown: () => {
        stopWatch();
        return sink.shutdown();
      },
    };
    return [wrapped];
  },
};
