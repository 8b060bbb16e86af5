// The evidence stage's entry and exit types (see docs/evidence.md).
import type { CameraConfig } from '../config/schema.ts';
import type { HitEventT } from '../contracts/hit.ts';
import type { Detection } from '../inference/types.ts';

export interface EvidenceFrame {
  role: 'before' | 'at' | 'after';
  /** ms since epoch, from the ring buffer's Frame.capturedAt. */
  capturedAt: number;
  /** Full-resolution JPEG as captured (Frame.jpeg). */
  jpeg: Buffer;
  /** Detections seen in this frame; the 'at' frame defaults to the hit's detections. */
  detections?: Detection[];
}

export type { ModelRef } from '../inference/registry.ts';
import type { ModelRef } from '../inference/registry.ts';

export interface SealInput {
  hit: HitEventT;
  camera: CameraConfig;
  /** Stills for the bundle, each stored original + annotated (+ redacted). */
  frames: EvidenceFrame[];
  /** Everything that produced the hit, from the model registry (ModelRegistry.refs). */
  models: ModelRef[];
  /** Make an MP4 review clip; from `clipFrames` when given (the producer's `clip` frames and the stills among them), else from `frames`. */
  clip?: boolean;
  clipFrames?: Array<{ capturedAt: number; jpeg: Buffer }>;
}

export interface SealedBundle {
  bundleId: string;
  cameraId: string;
  /** Position in the camera's hash chain, 0 for its first bundle. */
  height: number;
  /** sha256 of manifest.json: the bundle's hash and the next bundle's prevBundleHash. */
  manifestSha256: string;
  prevBundleHash: string | null;
  /** Key prefix in the store: bundles/<camera>/<height>-<bundleId>/ */
  storageKey: string;
  /** Total bytes of every file in the bundle. */
  bytes: number;
  /** True while the bundle waits in the local spool for the store to come back. */
  spooled: boolean;
  sealedAt: number;
}
