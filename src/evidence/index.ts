// The evidence stage's public surface: HitEvent + frames → sealed, signed, hash-chained bundle.
export type { EvidenceFrame, ModelRef, SealInput, SealedBundle } from './types.ts';
export {
  createEvidenceService,
  bundleIdFor,
  type EvidenceService,
  type EvidenceServiceOptions,
  type EvidenceHealth,
  type EvidenceAlert,
} from './service.ts';
export { KeyRing, rotateKey, KeyError } from './keys.ts';
export { DiskFullError } from './disk-guard.ts';
export { StoreUnavailableError, ImmutableObjectError, type EvidenceStore, type StoreCapabilities } from './store/types.ts';
export { FsEvidenceStore } from './store/fs-store.ts';
export { S3EvidenceStore, type S3StoreOptions } from './store/s3-store.ts';
export { verifyAll, verifyCamera, verifyBundle, findBundle, type VerifyReport, type Problem, type ProblemKind } from './verify.ts';
export { createAnchor, exportAnchor, AnchorWriter, type SignedAnchorT } from './anchor.ts';
export { sweepRetention, RetentionSweeper, type RetentionOptions, type RetentionResult } from './retention.ts';
export { evidenceEnv, openStore, type EvidenceEnvT } from './config.ts';
