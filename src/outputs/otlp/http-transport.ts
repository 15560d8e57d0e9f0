// OTLP/HTTP protobuf transport on node:http(s): posts the stored request bytes as-is with
// the output's headers, gzip-compressing on the thread pool when the output compresses.

import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { ZlibOptions } from 'node:zlib';

import { startDeadline } from '../../util/deadline.ts';
import { releaseNow } from '../../util/release-buffer.ts';
import { isRetryableStatus, parseRetryAfter } from './export-transport.ts';
import type { ExportTransport, SendResult } from './export-transport.ts';
import type { OtlpTlsOptions } from './transport.ts';

const gzipAsync = promisify(gzip) as (buf: Uint8Array, o: ZlibOptions) => Promise<Buffer>;
/**
 * Level 1: span requests are JSON text that gzip's 32 kB window compresses about as well at
 * level 1 (3.3x) as at the default 6 (3.8x), five times faster (~80 vs ~16 MB/s a core on
 * an LLM span's tool schemas and prompts). One output chunk near the result's size: the
 * default 16 kB chunk costs the loop a callback per 16 kB.
 */
const gzipOptions = (raw: Uint8Array): ZlibOptions => ({ level: 1, chunkSize: Math.min(8 << 20, Math.max(64 << 10, raw.length >> 1)) });

export interface HttpTransportOptions {
  url: string;
  headers: Record<string, string>;
  compression: 'gzip' | 'none';
  /** Sockets kept to the collector: the queue's export concurrency. */
  maxSockets: number;
  now?: () => number;
  /** https only: a CA to trust instead of the system roots, a client certificate for mutual TLS. */
  tls?: OtlpTlsOptions;
}

export function createHttpTransport(opts: HttpTransportOptions): ExportTransport {
  const url = new URL(opts.url);
  const https = url.protocol === 'https:';
  if (!https && url.protocol !== 'http:') throw new Error(`endpoint: expected an http:// or https:// URL, got ${url.protocol}`);
  const tls = opts.tls ?? {};
  if ((tls.cert === undefined) !== (tls.key === undefined)) throw new Error('tls.cert and tls.key must be given together (mutual TLS)');
  const agent = https
    ? new HttpsAgent({ keepAlive: true, maxSockets: opts.maxSockets, ...(tls.ca !== undefined ? { ca: tls.ca } : {}), ...(tls.cert !== undefined ? { cert: tls.cert, key: tls.key } : {}) })
    : new HttpAgent({ keepAlive: true, maxSockets: opts.maxSockets });
  const request = https ? httpsRequest : httpRequest;
  const now = opts.now ?? Date.now;

  return {
    async send(raw, timeoutMillis) {
      const body = opts.compression === 'gzip' ? await gzipAsync(raw, gzipOptions(raw)) : raw;
      const headers: Record<string, string> = {
        ...opts.headers,
        'content-type': 'application/x-protobuf',
        'content-length': String(body.length),
      };
      if (opts.compression === 'gzip') headers['content-encoding'] = 'gzip';
      const first = await post(body, headers, timeoutMillis);
      // A keep-alive socket the collector closed while this process was busy fails at once on
      // reuse; Node's documented remedy is one immediate retry on a fresh socket.
      const last = first.kind === 'retry' && first.staleSocket ? await post(body, headers, timeoutMillis) : first;
      const inUse = first.bodyInUse || last.bodyInUse;
      const { staleSocket: _stale, bodyInUse: _inUse, ...result } = last;
      if (body === raw) return inUse ? { ...result, requestInUse: true } : result;
      // The compressed copy is ours alone: freed now unless a socket may still read it (or
      // it is the gzip stream's own output chunk, which Node does not detach).
      if (!inUse) releaseNow(body, true);
      return result;
    },
    close() {
      agent.destroy();
    },
  };

  type Posted = SendResult & { staleSocket?: boolean; bodyInUse?: boolean };
  function post(body: Uint8Array, headers: Record<string, string>, timeoutMillis: number): Promise<Posted> {
      return new Promise((resolve) => {
        let done = false;
        const finish = (r: Posted) => {
          if (done) return;
          done = true;
          timer.clear();
          // 'finish' means every byte of the body went to the OS; before it (an early answer,
          // an error, a timeout) the socket may still hold the body.
          resolve(req.writableFinished ? r : { ...r, bodyInUse: true });
        };
        const req = request(url, { method: 'POST', headers, agent }, (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            // An error body is only for the message; never hold a huge one.
            if (size < 4096) chunks.push(c);
            size += c.length;
          });
          res.on('end', () => finish(verdict(res, Buffer.concat(chunks), now())));
          res.on('error', (e) => finish({ kind: 'retry', error: `response: ${e.message}` }));
        });
        // A whole-request bound: a server trickling bytes would reset a socket idle timeout.
        const timer = startDeadline(timeoutMillis, () => {
          req.destroy();
          finish({ kind: 'retry', error: `export timed out after ${timeoutMillis} ms` });
        });
        req.on('error', (e: NodeJS.ErrnoException) => {
          const stale = req.reusedSocket && (e.code === 'ECONNRESET' || e.code === 'EPIPE');
          finish({ kind: 'retry', error: e.code ? `${e.code}: ${e.message}` : e.message, ...(stale ? { staleSocket: true } : {}) });
        });
        req.end(body);
      });
  }
}

function verdict(res: IncomingMessage, body: Buffer, now: number): SendResult {
  const status = res.statusCode ?? 0;
  if (status >= 200 && status < 300) return { kind: 'ok' };
  const text = body.subarray(0, 200).toString('utf8').replace(/[^\x20-\x7e]+/g, ' ').trim();
  const error = `HTTP ${status}${text ? `: ${text}` : ''}`;
  if (!isRetryableStatus(status)) return { kind: 'reject', error };
  const header = res.headers['retry-after'];
  const retryAfterMs = parseRetryAfter(Array.isArray(header) ? header[0] : header, now);
  return retryAfterMs === undefined ? { kind: 'retry', error } : { kind: 'retry', error, retryAfterMs };
}
