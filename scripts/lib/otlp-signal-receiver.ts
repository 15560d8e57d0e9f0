// A real OTLP/HTTP collector for metrics and logs: 127.0.0.1, random port, POST /v1/metrics
// and /v1/logs (protobuf, plain or gzip), decoded with the official definitions. `failWith(503)`
// answers every request with that status until `failWith(undefined)`.

import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

import { decompress } from './otlp-receiver.ts';
import { decodeLogsRequest, decodeMetricsRequest } from './otlp-signals.ts';
import type { ReceivedLog, ReceivedMetric } from './otlp-signals.ts';

export interface HttpCall<T> {
  headers: IncomingHttpHeaders;
  items: T[];
}

export interface OtlpSignalReceiver {
  /** `http://127.0.0.1:<port>` (a bare origin: exporters add /v1/<signal>). */
  readonly origin: string;
  readonly metrics: HttpCall<ReceivedMetric>[];
  readonly logs: HttpCall<ReceivedLog>[];
  /** Every POST, whatever the answer, by path. */
  readonly attempts: Record<string, number>;
  failWith(status: number | undefined): void;
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startOtlpSignalReceiver(): Promise<OtlpSignalReceiver> {
  const metrics: HttpCall<ReceivedMetric>[] = [];
  const logs: HttpCall<ReceivedLog>[] = [];
  const attempts: Record<string, number> = {};
  let failStatus: number | undefined;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      attempts[path] = (attempts[path] ?? 0) + 1;
      if (failStatus !== undefined) {
        res.writeHead(failStatus).end();
        return;
      }
      try {
        const body = decompress(Buffer.concat(chunks), req.headers['content-encoding']);
        if (path === '/v1/metrics') metrics.push({ headers: req.headers, items: decodeMetricsRequest(body) });
        else if (path === '/v1/logs') logs.push({ headers: req.headers, items: decodeLogsRequest(body) });
        else {
          res.writeHead(404).end();
          return;
        }
        // An empty body is a valid Export*ServiceResponse.
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      } catch (error) {
        res.writeHead(400).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    origin: `http://127.0.0.1:${port}`,
    metrics,
    logs,
    attempts,
    failWith(status) {
      failStatus = status;
    },
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`OTLP receiver: condition not met within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
