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
