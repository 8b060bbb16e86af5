// Evidence settings from the environment (validated with zod), and opening the store they name.
import path from 'node:path';
import { z } from 'zod';
import { PROJECT_ROOT } from '../inference/manifest.ts';
import { FsEvidenceStore } from './store/fs-store.ts';
import { S3EvidenceStore } from './store/s3-store.ts';
import type { EvidenceStore } from './store/types.ts';

const Bool = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');

export const EvidenceEnv = z.object({
  HUIYAN_EVIDENCE_STORE: z.enum(['fs', 's3']).default('fs'),
  HUIYAN_EVIDENCE_DIR: z.string().default(path.join(PROJECT_ROOT, 'var/evidence-store')),
  HUIYAN_EVIDENCE_SPOOL: z.string().default(path.join(PROJECT_ROOT, 'var/evidence-spool')),
  HUIYAN_EVIDENCE_KEYS: z.string().default(path.join(PROJECT_ROOT, 'var/evidence-keys')),
  /** Folder outside the store that gets a copy of every anchor (and `verify all` reads). */
  HUIYAN_EVIDENCE_ANCHORS: z.string().optional(),
  /** URL that is POSTed every signed anchor (redirects not followed). */
  HUIYAN_EVIDENCE_ANCHOR_WEBHOOK: z.url().optional(),
  /** Evidence is refused below this much free space (MiB) on the spool or store disk; default min(2 GiB, 10% of the volume). */
  HUIYAN_EVIDENCE_MIN_FREE_MB: z.coerce.number().min(0).optional(),
  /** … or below this share of the volume free; default 5. */
  HUIYAN_EVIDENCE_MIN_FREE_PERCENT: z.coerce.number().min(0).max(100).default(5),
  HUIYAN_EVIDENCE_RETENTION_DAYS: z.coerce.number().min(0).default(180),
  /** e.g. http://127.0.0.1:9000 */
  HUIYAN_S3_ENDPOINT: z.url().optional(),
  HUIYAN_S3_ACCESS_KEY: z.string().optional(),
  HUIYAN_S3_SECRET_KEY: z.string().optional(),
  HUIYAN_S3_BUCKET: z.string().default('huiyan-evidence'),
  HUIYAN_S3_PREFIX: z.string().default(''),
  HUIYAN_S3_REGION: z.string().default('us-east-1'),
  HUIYAN_S3_OBJECT_LOCK: Bool.default(true),
  HUIYAN_S3_LOCK_MODE: z.enum(['GOVERNANCE', 'COMPLIANCE']).default('GOVERNANCE'),
  HUIYAN_S3_SSE: z.enum(['AES256', 'aws:kms']).optional(),
  HUIYAN_S3_KMS_KEY_ID: z.string().optional(),
});
export type EvidenceEnvT = z.infer<typeof EvidenceEnv>;

export function evidenceEnv(env: NodeJS.ProcessEnv = process.env): EvidenceEnvT {
  const r = EvidenceEnv.safeParse(env);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(`evidence configuration: ${i.path.join('.')}: ${i.message}`);
  }
  return r.data;
}

export function openStore(cfg: EvidenceEnvT): EvidenceStore {
  if (cfg.HUIYAN_EVIDENCE_STORE === 'fs') return new FsEvidenceStore(cfg.HUIYAN_EVIDENCE_DIR);
  if (!cfg.HUIYAN_S3_ENDPOINT || !cfg.HUIYAN_S3_ACCESS_KEY || !cfg.HUIYAN_S3_SECRET_KEY) {
    throw new Error('evidence configuration: HUIYAN_EVIDENCE_STORE=s3 needs HUIYAN_S3_ENDPOINT, HUIYAN_S3_ACCESS_KEY and HUIYAN_S3_SECRET_KEY');
  }
  const u = new URL(cfg.HUIYAN_S3_ENDPOINT);
  return new S3EvidenceStore({
    endPoint: u.hostname,
    port: u.port ? Number(u.port) : undefined,
    useSSL: u.protocol === 'https:',
    accessKey: cfg.HUIYAN_S3_ACCESS_KEY,
    secretKey: cfg.HUIYAN_S3_SECRET_KEY,
    bucket: cfg.HUIYAN_S3_BUCKET,
    prefix: cfg.HUIYAN_S3_PREFIX,
    region: cfg.HUIYAN_S3_REGION,
    objectLock: cfg.HUIYAN_S3_OBJECT_LOCK,
    lockMode: cfg.HUIYAN_S3_LOCK_MODE,
    sse: cfg.HUIYAN_S3_SSE,
    kmsKeyId: cfg.HUIYAN_S3_KMS_KEY_ID,
  });
}

/** The disk guard's thresholds from the environment (createEvidenceService({ disk })). */
export function diskGuardOptions(cfg: EvidenceEnvT): { minFreeBytes?: number; minFreeFraction: number } {
  return {
    minFreeBytes: cfg.HUIYAN_EVIDENCE_MIN_FREE_MB === undefined ? undefined : cfg.HUIYAN_EVIDENCE_MIN_FREE_MB * 2 ** 20,
    minFreeFraction: cfg.HUIYAN_EVIDENCE_MIN_FREE_PERCENT / 100,
  };
}
