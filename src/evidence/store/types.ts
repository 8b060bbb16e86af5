// One interface for every evidence backend (local filesystem, S3/MinIO). Keys are
// '/'-separated paths such as bundles/<camera>/<height>-<bundleId>/manifest.json; the layout
// itself is documented in evidence-store/README.md and built in ../layout.ts.

export interface PutOptions {
  /** Sealed evidence: never overwritten with different bytes (read-only file / object lock). */
  immutable?: boolean;
  contentType?: string;
  /** Object-lock retention for this object, when the backend supports it. */
  retainUntil?: Date;
}

export interface StoreCapabilities {
  versioning: boolean;
  objectLock: boolean;
  encryption: boolean;
}

export interface EvidenceStore {
  readonly kind: 'fs' | 's3';
  /** Human-readable location for logs (a folder or endpoint/bucket). */
  readonly location: string;
  /** Creates the bucket/folder and detects what the backend supports. */
  init(): Promise<StoreCapabilities>;
  /** Writes an object. Writing the same bytes again is a no-op; other bytes over an immutable object throw ImmutableObjectError. */
  put(key: string, body: Buffer, opts?: PutOptions): Promise<void>;
  get(key: string): Promise<Buffer | null>;
  exists(key: string): Promise<boolean>;
  /** Every key under `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
  /** Removes an object (and its old versions); used by the retention sweep only. */
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

/** Thrown when the backend cannot be reached: the caller spools and retries later. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

export class ImmutableObjectError extends Error {
  constructor(key: string) {
    super(`refusing to overwrite sealed object ${key} with different bytes`);
    this.name = 'ImmutableObjectError';
  }
}

export function assertKey(key: string): void {
  if (!key || key.startsWith('/') || key.split('/').some((p) => p === '' || p === '.' || p === '..')) {
    throw new Error(`invalid store key ${JSON.stringify(key)}`);
  }
}
