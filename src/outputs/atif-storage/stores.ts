// The two kinds of remote store. Each takes an object key and the document bytes and either
// resolves (stored) or rejects with an error that names the store and what went wrong. No
// retries here: the uploader owns retry, backoff and counting.

import type { S3Client } from '@aws-sdk/client-s3';
import { deadlineSignal } from '../../util/deadline.ts';
import type { HttpStoreConfig, S3StoreConfig, StoreConfig } from './config.ts';

// The SDK takes ~0.7 s to import on a busy 2-core box: loaded on the first upload, never at plugin load.
let sdk: Promise<typeof import('@aws-sdk/client-s3')> | undefined;
const loadSdk = (): Promise<typeof import('@aws-sdk/client-s3')> => (sdk ??= import('@aws-sdk/client-s3'));

export interface Store {
  readonly name: string;
  /** Where objects go, for status (never credentials or headers). */
  readonly target: string;
  put(key: string, body: Buffer): Promise<void>;
  /** Loads what the first upload needs, in the background (the first file of a session was written). */
  warm?(): void;
  close(): void;
}

export function createStore(cfg: StoreConfig): Store {
  return cfg.type === 's3' ? new S3Store(cfg) : new HttpStore(cfg);
}

class S3Store implements Store {
  readonly name: string;
  readonly target: string;
  private client?: Promise<S3Client>;
  private readonly cfg: S3StoreConfig;

  constructor(cfg: S3StoreConfig) {
    this.cfg = cfg;
    this.name = cfg.name;
    this.target = `s3://${cfg.bucket}/${cfg.keyPrefix}${cfg.endpointUrl ? ` (${cfg.endpointUrl})` : ''}`;
  }

  private newClient(m: typeof import('@aws-sdk/client-s3')): S3Client {
    const cfg = this.cfg;
    return new m.S3Client({
      region: cfg.region,
      // One attempt per call: the uploader's backoff survives restarts, the SDK's does not.
      maxAttempts: 1,
      // A plain signed PUT: S3-compatible stores (MinIO, s3rver, Ceph) do not all take the
      // SDK's default streaming checksum trailer.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      ...(cfg.endpointUrl ? { endpoint: cfg.endpointUrl, forcePathStyle: true } : {}),
      ...(cfg.credentials ? { credentials: cfg.credentials } : {}),
      requestHandler: { requestTimeout: cfg.timeoutMillis, connectionTimeout: cfg.timeoutMillis },
    });
  }

  async put(key: string, body: Buffer): Promise<void> {
    try {
      const m = await loadSdk();
      const client = await (this.client ??= Promise.resolve(this.newClient(m)));
      const deadline = deadlineSignal(this.cfg.timeoutMillis);
      await client
        .send(new m.PutObjectCommand({ Bucket: this.cfg.bucket, Key: key, Body: body, ContentType: 'application/json', ContentLength: body.length }), {
          abortSignal: deadline.signal,
        })
        .finally(() => deadline.clear());
    } catch (err) {
      throw new Error(`${this.name} (s3 bucket ${this.cfg.bucket}): PutObject ${key} failed: ${describeS3Error(err)}`);
    }
  }

  warm(): void {
    // The gateway's stop gives the final uploads a few seconds: the SDK import must not be in them.
    void loadSdk().catch(() => undefined);
  }

  close(): void {
    void this.client?.then((c) => c.destroy());
  }
}

function describeS3Error(err: unknown): string {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const hint =
    e.name === 'NoSuchBucket'
      ? ' (check bucket)'
      : e.name === 'InvalidAccessKeyId' || e.name === 'SignatureDoesNotMatch'
        ? ' (check access_key_id / secret_access_key_var)'
        : e.name === 'CredentialsProviderError'
          ? ' (no credentials: set access_key_id + secret_access_key_var, or configure the AWS default chain)'
          : '';
  return `${e.name ?? 'Error'}${status ? ` HTTP ${status}` : ''}: ${e.message ?? String(err)}${hint}`;
}

class HttpStore implements Store {
  readonly name: string;
  readonly target: string;
  private readonly cfg: HttpStoreConfig;

  constructor(cfg: HttpStoreConfig) {
    this.cfg = cfg;
    this.name = cfg.name;
    this.target = cfg.endpoint;
  }

  async put(key: string, body: Buffer): Promise<void> {
    let res: Response;
    const deadline = deadlineSignal(this.cfg.timeoutMillis);
    try {
      res = await fetch(this.cfg.endpoint, {
        method: 'POST',
        headers: {
          ...this.cfg.headers,
          'content-type': 'application/json',
          // The object key, so a receiver can store one document per session.
          'x-nemo-relay-atif-key': key,
        },
        body,
        signal: deadline.signal,
      });
    } catch (err) {
      deadline.clear();
      const e = err as Error;
      const why = e.name === 'TimeoutError' ? `no response within timeout_millis=${this.cfg.timeoutMillis}` : `${e.message}${e.cause ? ` (${String((e.cause as Error).message ?? e.cause)})` : ''}`;
      throw new Error(`${this.name} (http ${this.cfg.endpoint}): POST ${key} failed: ${why}`);
    }
    // Drain the body so the connection can be reused.
    const text = await res.text().catch(() => '');
    deadline.clear();
    if (!res.ok) throw new Error(`${this.name} (http ${this.cfg.endpoint}): POST ${key} failed: HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
  }

  close(): void {}
}
