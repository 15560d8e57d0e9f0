// The ATOF stream sink: records queue in memory (bounded by count and bytes; a record that
// does not fit is dropped and counted) and a sender drains them to the collector:
//   http_post  one POST per batch (max_batch_records, 1 by default as published), body JSONL,
//              content-type application/x-ndjson; any 2xx is success, else retried.
//   ndjson     one long-lived chunked POST upload, one JSON line per record.
//   websocket  one connection, one JSON text message per record.
// Failures reconnect/resend with exponential backoff; the hook path only ever enqueues.
// A record counts as sent when its POST got a 2xx (http_post) or its write/send completed
// (ndjson, websocket): records written into a connection that dropped before anyone noticed
// can be lost, so delivery across a drop is at most once for the streaming transports.

import { request, type ClientRequest } from 'node:http';
import { request as requestTls } from 'node:https';
import type { WebSocket } from 'ws';
import type { SinkHealth } from '../../fanout/sink.ts';
import type { AtofStreamSinkConfig } from './config.ts';
import { replaceDots } from './encode.ts';
import { deadlineSignal } from '../../util/deadline.ts';

interface Item {
  rec: unknown;
  line: string;
}

export class AtofStreamSink {
  readonly cfg: AtofStreamSinkConfig;
  private queue: Item[] = [];
  private queueBytes = 0;
  private busy = false;
  private stopped = false;
  private failuresInARow = 0;
  private retryTimer?: NodeJS.Timeout;
  private upload?: ClientRequest;
  private ws?: WebSocket;
  private wsOpen = false;
  private waiters: (() => void)[] = [];
  private readonly stats = { sent: 0, dropped: 0, droppedQueueFull: 0, failures: 0, connects: 0 };
  private lastFailed = false;
  private lastError?: { time: string; message: string };
  private lastSuccessTime?: string;

  constructor(cfg: AtofStreamSinkConfig) {
    this.cfg = cfg;
  }

  /** Hot path: queue one record (and its JSON line) or count a drop. */
  write(rec: unknown, line: string): void {
    const bytes = line.length + 1;
    if (this.stopped) {
      this.stats.dropped += 1;
      return;
    }
    if (this.queue.length >= this.cfg.maxQueueRecords || this.queueBytes + bytes > this.cfg.maxQueueBytes) {
      this.stats.dropped += 1;
      this.stats.droppedQueueFull += 1;
      return;
    }
    this.queue.push({ rec, line });
    this.queueBytes += bytes;
    if (!this.busy && !this.retryTimer) setImmediate(() => this.pump());
  }

  /** Waits until the queue is empty or timeout_millis passes (what is left stays queued). */
  async flush(): Promise<void> {
    const end = Date.now() + this.cfg.timeoutMillis;
    while ((this.queue.length || this.busy) && Date.now() < end) {
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, Math.max(1, end - Date.now())).unref();
      });
    }
  }

  async shutdown(): Promise<void> {
    await this.flush();
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.stats.dropped += this.queue.length;
    this.queue = [];
    this.queueBytes = 0;
    const up = this.upload;
    this.upload = undefined;
    if (up) await new Promise<void>((r) => {
      up.once('response', (res) => { res.resume(); r(); });
      up.once('error', () => r());
      up.end();
      setTimeout(r, this.cfg.timeoutMillis).unref();
    });
    this.ws?.close();
    this.ws = undefined;
  }

  private encode(item: Item): string {
    return this.cfg.fieldNamePolicy === 'replace_dots' ? JSON.stringify(replaceDots(item.rec)) : item.line;
  }

  private done(n: number): void {
    const gone = this.queue.splice(0, n);
    for (const it of gone) this.queueBytes -= it.line.length + 1;
    this.stats.sent += n;
    this.failuresInARow = 0;
    this.lastFailed = false;
    this.lastSuccessTime = new Date().toISOString();
  }

  private fail(message: string): void {
    this.stats.failures += 1;
    this.failuresInARow += 1;
    this.lastFailed = true;
    this.lastError = { time: new Date().toISOString(), message: `${this.cfg.name} (${this.cfg.transport} ${this.cfg.url}): ${message}` };
  }

  private retryLater(): void {
    if (this.stopped || this.retryTimer) return;
    const step = Math.min(this.cfg.retryMaxMillis, this.cfg.retryInitialMillis * 2 ** Math.max(0, this.failuresInARow - 1));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.pump();
    }, step / 2 + Math.random() * (step / 2));
    this.retryTimer.unref();
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }

  private pump(): void {
    if (this.busy || this.stopped || this.retryTimer || this.queue.length === 0) {
      this.notify();
      return;
    }
    this.busy = true;
    const run = this.cfg.transport === 'http_post' ? this.postBatch() : this.cfg.transport === 'ndjson' ? this.streamUpload() : this.sendWs();
    void run.then(
      (ok) => {
        this.busy = false;
        if (ok) this.pump();
        else this.retryLater();
        this.notify();
      },
      (err: unknown) => {
        this.busy = false;
        this.fail(String(err));
        this.retryLater();
        this.notify();
      },
    );
  }

  private async postBatch(): Promise<boolean> {
    const batch = this.queue.slice(0, this.cfg.maxBatchRecords);
    const body = `${batch.map((i) => this.encode(i)).join('\n')}\n`;
    const deadline = deadlineSignal(this.cfg.timeoutMillis);
    try {
      const res = await fetch(this.cfg.url, {
        method: 'POST',
        headers: { ...this.cfg.headers, 'content-type': 'application/x-ndjson' },
        body,
        signal: deadline.signal,
      });
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) {
        this.fail(`HTTP ${res.status}`);
        return false;
      }
    } catch (err) {
      const e = err as Error;
      this.fail(e.name === 'TimeoutError' ? `no response within timeout_millis=${this.cfg.timeoutMillis}` : `${e.message}${e.cause ? ` (${(e.cause as Error).message ?? String(e.cause)})` : ''}`);
      return false;
    } finally {
      deadline.clear();
    }
    this.done(batch.length);
    return true;
  }

  /** Writes queued records into the open upload (opening one if needed). */
  private async streamUpload(): Promise<boolean> {
    if (!this.upload) {
      const opened = await this.openUpload();
      if (!opened) return false;
    }
    const up = this.upload!;
    while (this.queue.length && this.upload === up) {
      const batch = this.queue.slice(0, this.cfg.maxBatchRecords);
      const chunk = `${batch.map((i) => this.encode(i)).join('\n')}\n`;
      const ok = await new Promise<boolean>((resolve) => {
        up.write(chunk, (err) => resolve(!err));
      });
      if (!ok || this.upload !== up) {
        this.fail('upload closed while writing');
        this.upload = undefined;
        up.destroy();
        return false;
      }
      this.done(batch.length);
    }
    return true;
  }

  private openUpload(): Promise<boolean> {
    return new Promise((resolve) => {
      const u = new URL(this.cfg.url);
      const req = (u.protocol === 'https:' ? requestTls : request)(u, {
        method: 'POST',
        headers: { ...this.cfg.headers, 'content-type': 'application/x-ndjson', 'transfer-encoding': 'chunked' },
        timeout: this.cfg.timeoutMillis,
      });
      let settled = false;
      const settle = (ok: boolean, why?: string): void => {
        if (why) this.fail(why);
        if (!settled) {
          settled = true;
          resolve(ok);
        }
      };
      req.on('error', (err) => {
        if (this.upload === req) this.upload = undefined;
        settle(false, err.message);
      });
      // The collector answered before we ended the upload: it closed it. Reconnect.
      req.on('response', (res) => {
        res.resume();
        if (this.upload === req) {
          this.upload = undefined;
          this.fail(`collector ended the upload (HTTP ${res.statusCode})`);
          if (this.queue.length) this.retryLater();
        }
      });
      req.on('socket', (sock) => {
        sock.once('connect', () => {
          req.setTimeout(0);
          this.upload = req;
          this.stats.connects += 1;
          settle(true);
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no connection within timeout_millis=${this.cfg.timeoutMillis}`)));
      req.flushHeaders();
    });
  }

  private async sendWs(): Promise<boolean> {
    if (!this.ws || !this.wsOpen) {
      const ok = await this.openWs();
      if (!ok) return false;
    }
    const ws = this.ws!;
    while (this.queue.length && this.ws === ws && this.wsOpen) {
      const item = this.queue[0]!;
      const ok = await new Promise<boolean>((resolve) => ws.send(this.encode(item), (err) => resolve(!err)));
      if (!ok) {
        this.fail('send failed');
        return false;
      }
      this.done(1);
    }
    return this.queue.length === 0;
  }

  private async openWs(): Promise<boolean> {
    // Loaded when a websocket sink first connects, not at plugin load.
    const { WebSocket: Ws } = await import('ws');
    return new Promise((resolve) => {
      const ws = new Ws(this.cfg.url, { headers: this.cfg.headers, handshakeTimeout: this.cfg.timeoutMillis });
      let settled = false;
      ws.on('open', () => {
        this.ws = ws;
        this.wsOpen = true;
        this.stats.connects += 1;
        settled = true;
        resolve(true);
      });
      ws.on('error', (err) => {
        if (!settled) {
          settled = true;
          this.fail(err.message);
          resolve(false);
        }
      });
      ws.on('close', () => {
        if (this.ws === ws) {
          this.ws = undefined;
          this.wsOpen = false;
          if (!this.stopped && this.queue.length) this.retryLater();
        }
        if (!settled) {
          settled = true;
          this.fail('connection closed');
          resolve(false);
        }
      });
    });
  }

  health(): SinkHealth {
    const h: SinkHealth = {
      name: this.cfg.name,
      enabled: true,
      state: this.stopped ? 'stopped' : this.lastFailed ? 'degraded' : 'ok',
      exported: this.stats.sent,
      unit: 'messages',
      failures: this.stats.failures,
      dropped: this.stats.dropped,
      queueDepth: this.queue.length,
      details: {
        url: this.cfg.url,
        transport: this.cfg.transport,
        connects: this.stats.connects,
        dropped_queue_full: this.stats.droppedQueueFull,
        queue_bytes: this.queueBytes,
      },
    };
    if (this.lastSuccessTime) h.lastSuccessTime = this.lastSuccessTime;
    if (this.lastError) h.lastError = this.lastError;
    return h;
  }
}
