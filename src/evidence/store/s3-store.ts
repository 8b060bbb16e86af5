// S3 / MinIO backend through the `minio` client. On init it creates the bucket (with object
// lock when asked), turns on versioning, and detects what the server really supports: a
// server without versioning or object lock (e.g. s3rver in the tests) is used anyway, with a
// log line saying which protection is missing. Sealed objects get a GOVERNANCE/COMPLIANCE
// retention when object lock is on; SSE (AES256 or aws:kms) is requested per object.
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { Client } from 'minio';
import { createLogger, type Logger } from '../../util/log.ts';
import { assertKey, ImmutableObjectError, StoreUnavailableError, type EvidenceStore, type PutOptions, type StoreCapabilities } from './types.ts';

export interface S3StoreOptions {
  endPoint: string;
  port?: number;
  useSSL?: boolean;
  accessKey: string;
  secretKey: string;
  bucket: string;
  region?: string;
  /** Key prefix inside the bucket, e.g. an appliance id; '' for the bucket root. */
  prefix?: string;
  /** Ask for versioning and object lock (lock only takes effect on a bucket created with it). */
  objectLock?: boolean;
  lockMode?: 'GOVERNANCE' | 'COMPLIANCE';
  /** Server-side encryption requested on every object. */
  sse?: 'AES256' | 'aws:kms';
  kmsKeyId?: string;
  /** Any single request taking longer than this counts as the store being unreachable. */
  timeoutMs?: number;
  log?: Logger;
}

const NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchVersion']);
const NOT_SUPPORTED = new Set(['NotImplemented', 'ObjectLockConfigurationNotFoundError', 'InvalidRequest', 'MethodNotAllowed']);

export class S3EvidenceStore implements EvidenceStore {
  readonly kind = 's3' as const;
  readonly location: string;
  private readonly client: Client;
  private readonly log: Logger;
  private caps: StoreCapabilities = { versioning: false, objectLock: false, encryption: false };

  constructor(private readonly opts: S3StoreOptions) {
    const Agent = opts.useSSL ? https.Agent : http.Agent;
    this.client = new Client({
      endPoint: opts.endPoint,
      port: opts.port,
      useSSL: opts.useSSL ?? false,
      accessKey: opts.accessKey,
      secretKey: opts.secretKey,
      region: opts.region ?? 'us-east-1',
      pathStyle: true,
      transportAgent: new Agent({ keepAlive: true, maxSockets: 16 }),
      // One quick retry; longer outages are the spool's job, not the client's.
      retryOptions: { maximumRetryCount: 1, baseDelayMs: 100, maximumDelayMs: 1000 },
    });
    this.log = opts.log ?? createLogger({ stage: 'evidence', store: 's3' });
    this.location = `${opts.useSSL ? 'https' : 'http'}://${opts.endPoint}:${opts.port ?? (opts.useSSL ? 443 : 80)}/${opts.bucket}/${opts.prefix ?? ''}`;
  }

  private name(key: string): string {
    assertKey(key);
    return (this.opts.prefix ? this.opts.prefix.replace(/\/?$/, '/') : '') + key;
  }

  /** Runs one client call with a deadline; network failures become StoreUnavailableError. */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StoreUnavailableError(`${what}: no answer from ${this.location} within ${this.opts.timeoutMs ?? 15000} ms`)), this.opts.timeoutMs ?? 15000);
    });
    try {
      return await Promise.race([fn(), deadline]);
    } catch (err) {
      if (err instanceof StoreUnavailableError || isS3Error(err)) throw err;
      throw new StoreUnavailableError(`${what}: ${(err as Error).message ?? err}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  async init(): Promise<StoreCapabilities> {
    const { bucket } = this.opts;
    const exists = await this.call('bucketExists', () => this.client.bucketExists(bucket));
    if (!exists) {
      await this.call('makeBucket', () =>
        this.client.makeBucket(bucket, this.opts.region ?? 'us-east-1', this.opts.objectLock ? { ObjectLocking: true } : undefined),
      );
    }
    const caps: StoreCapabilities = { versioning: false, objectLock: false, encryption: false };
    // Servers differ in how they refuse (NotImplemented, a wrong error, silence), so ask
    // for versioning and then read back what the bucket really has.
    await this.call('setBucketVersioning', () => this.client.setBucketVersioning(bucket, { Status: 'Enabled' })).catch((err) => {
      if (err instanceof StoreUnavailableError) throw err;
    });
    try {
      const v = await this.call('getBucketVersioning', () => this.client.getBucketVersioning(bucket));
      caps.versioning = (v as { Status?: string })?.Status === 'Enabled';
    } catch (err) {
      if (err instanceof StoreUnavailableError) throw err;
    }
    if (!caps.versioning) {
      this.log.warn('S3 server does not support bucket versioning: overwritten or deleted objects cannot be recovered from the store', { bucket });
    }
    if (this.opts.objectLock) {
      try {
        const lock = await this.call('getObjectLockConfig', () => this.client.getObjectLockConfig(bucket) as unknown as Promise<{ objectLockEnabled?: string }>);
        caps.objectLock = lock?.objectLockEnabled === 'Enabled';
      } catch (err) {
        if (err instanceof StoreUnavailableError) throw err;
      }
      if (!caps.objectLock) {
        this.log.warn('S3 server or bucket has no object lock: sealed objects get no retention lock (they are still hashed and signed)', { bucket });
      }
    }
    if (this.opts.sse) {
      // Write a probe with the SSE header and see whether the server says it encrypted it.
      const probe = this.name('.huiyan-sse-probe');
      await this.call('putObject', () =>
        this.client.putObject(bucket, probe, Buffer.from('probe'), 5, { 'x-amz-server-side-encryption': this.opts.sse! }),
      );
      const st = await this.call('statObject', () => this.client.statObject(bucket, probe));
      caps.encryption = Boolean(st.metaData?.['x-amz-server-side-encryption']);
      await this.call('removeObject', () => this.client.removeObject(bucket, probe)).catch(() => {});
      if (!caps.encryption) this.log.warn('S3 server did not confirm server-side encryption: objects are stored as sent', { bucket, sse: this.opts.sse });
    }
    this.caps = caps;
    return caps;
  }

  async put(key: string, body: Buffer, opts: PutOptions = {}): Promise<void> {
    const name = this.name(key);
    const existing = await this.statOrNull(name);
    if (existing) {
      if (existing.size === body.length && (existing.etag === md5(body) || (await this.get(key))?.equals(body))) return;
      if (opts.immutable || existing.locked) throw new ImmutableObjectError(key);
    }
    const meta: Record<string, string> = { 'Content-Type': opts.contentType ?? 'application/octet-stream' };
    if (opts.immutable) meta['x-amz-meta-huiyan-sealed'] = '1';
    if (this.opts.sse) {
      meta['x-amz-server-side-encryption'] = this.opts.sse;
      if (this.opts.sse === 'aws:kms' && this.opts.kmsKeyId) meta['x-amz-server-side-encryption-aws-kms-key-id'] = this.opts.kmsKeyId;
    }
    const info = await this.call('putObject', () => this.client.putObject(this.opts.bucket, name, body, body.length, meta));
    if (opts.immutable && opts.retainUntil && this.caps.objectLock) {
      await this.call('putObjectRetention', () =>
        this.client.putObjectRetention(this.opts.bucket, name, {
          versionId: info.versionId ?? '',
          mode: this.opts.lockMode ?? 'GOVERNANCE',
          retainUntilDate: opts.retainUntil!.toISOString(),
        }),
      );
    }
  }

  private async statOrNull(name: string): Promise<{ size: number; etag: string; locked: boolean } | null> {
    try {
      const s = await this.call('statObject', () => this.client.statObject(this.opts.bucket, name));
      return { size: s.size, etag: s.etag.replace(/"/g, ''), locked: s.metaData?.['huiyan-sealed'] === '1' };
    } catch (err) {
      if (NOT_FOUND.has(codeOf(err))) return null;
      throw err;
    }
  }

  async get(key: string): Promise<Buffer | null> {
    const name = this.name(key);
    try {
      return await this.call('getObject', async () => {
        const stream = await this.client.getObject(this.opts.bucket, name);
        const chunks: Buffer[] = [];
        for await (const c of stream) chunks.push(c as Buffer);
        return Buffer.concat(chunks);
      });
    } catch (err) {
      if (NOT_FOUND.has(codeOf(err))) return null;
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.statOrNull(this.name(key))) !== null;
  }

  async list(prefix: string): Promise<string[]> {
    const base = this.opts.prefix ? this.opts.prefix.replace(/\/?$/, '/') : '';
    const full = base + prefix;
    const strip = base.length;
    const names = await this.call('listObjectsV2', async () => {
      const out: string[] = [];
      for await (const item of this.client.listObjectsV2(this.opts.bucket, full, true)) {
        if (item.name) out.push(item.name.slice(strip));
      }
      return out;
    });
    return names.sort();
  }

  async delete(key: string): Promise<void> {
    const name = this.name(key);
    if (!this.caps.versioning) {
      await this.call('removeObject', () => this.client.removeObject(this.opts.bucket, name));
      return;
    }
    // In a versioned bucket a plain delete only hides the object; retention removes every version.
    const versions = await this.call('listObjects', async () => {
      const out: string[] = [];
      for await (const v of this.client.listObjects(this.opts.bucket, name, false, { IncludeVersion: true })) {
        if (v.name === name && v.versionId) out.push(v.versionId);
      }
      return out;
    });
    for (const versionId of versions) {
      await this.call('removeObject', () => this.client.removeObject(this.opts.bucket, name, { versionId, governanceBypass: true }));
    }
  }

  async close(): Promise<void> {}
}

function codeOf(err: unknown): string {
  return String((err as { code?: string })?.code ?? '');
}
function isS3Error(err: unknown): boolean {
  const e = err as { code?: string; name?: string };
  return e?.name === 'S3Error' || NOT_FOUND.has(codeOf(err)) || NOT_SUPPORTED.has(codeOf(err));
}
function md5(b: Buffer): string {
  return createHash('md5').update(b).digest('hex');
}
