// A real HTTP server on 127.0.0.1:0 that records every request body, and can be told to
// answer 500 or to never answer (timeouts), per request.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Captured {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export type Behaviour = 'ok' | 'fail500' | 'hang';

export class CaptureServer {
  readonly requests: Captured[] = [];
  /** Consulted per request (in order); when empty, `fallback`. */
  readonly plan: Behaviour[] = [];
  fallback: Behaviour = 'ok';
  /** Chunks of streaming requests as they arrive (ndjson uploads). */
  readonly chunks: Buffer[] = [];
  private server?: Server;
  private readonly hung: ServerResponse[] = [];
  url = '';

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => {
        parts.push(c);
        this.chunks.push(c);
      });
      req.on('end', () => {
        this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(parts) });
        const b = this.plan.shift() ?? this.fallback;
        if (b === 'hang') {
          this.hung.push(res);
          return;
        }
        res.writeHead(b === 'ok' ? 200 : 500, { 'content-type': 'text/plain' });
        res.end(b === 'ok' ? 'ok' : 'boom');
      });
    });
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const r of this.hung) r.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }
}

/** Polls `cond` until true or `ms` passes. */
export async function until(cond: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
