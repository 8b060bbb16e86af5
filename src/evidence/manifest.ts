// manifest.json: everything a legal reviewer needs to trust a bundle, in canonical JSON.
// Its sha256 is the bundle's hash; the next bundle of the same camera records it as
// prevBundleHash, which makes a per-camera hash chain. The schema is used when reading a
// manifest back (verify, retention); the writer builds the same shape in bundle.ts.
import { z } from 'zod';

export const MANIFEST_FORMAT = 'huiyan-evidence/1';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const BoxT = z.tuple([z.number(), z.number(), z.number(), z.number()]);

export const FileEntry = z.object({ sha256: Sha256, bytes: z.number().int().min(0) });

export const ManifestFrame = z.object({
  role: z.enum(['before', 'at', 'after']),
  capturedAt: z.number(),
  original: z.string(),
  annotated: z.string(),
  redacted: z.string().optional(),
});

export const BundleManifest = z.looseObject({
  format: z.literal(MANIFEST_FORMAT),
  bundleId: z.string().min(1),
  sealedAt: z.number(),
  hit: z.looseObject({
    hitId: z.string(),
    seq: z.number().int(),
    event: z.string(),
    rule: z.string(),
    zoneId: z.string(),
    startedAt: z.number(),
    at: z.number(),
    score: z.number(),
    thresholds: z.record(z.string(), z.unknown()),
    attributes: z.record(z.string(), z.unknown()),
  }),
  camera: z.looseObject({ id: z.string(), name: z.string(), location: z.record(z.string(), z.unknown()) }),
  chain: z.object({ cameraId: z.string(), height: z.number().int().min(0), prevBundleHash: Sha256.nullable() }),
  // Models and heads carry their file's sha256, algorithms their version (src/inference/registry.ts).
  models: z.array(z.looseObject({ id: z.string(), sha256: z.string().optional(), version: z.string().optional() })),
  detections: z.array(z.looseObject({ box: BoxT, score: z.number() })),
  frames: z.array(ManifestFrame).min(1),
  /** The review clip (clip.mp4, H.264), its frame rate and frame count; `facesObscured` when redaction is on. */
  clip: z.object({ file: z.string(), fps: z.number(), frames: z.number().int(), facesObscured: z.number().int().optional() }).nullable(),
  redaction: z
    .object({
      modelId: z.string(),
      minScore: z.number(),
      faces: z.array(z.object({ frame: z.string(), box: BoxT, score: z.number() })),
    })
    .nullable(),
  files: z.record(z.string(), FileEntry),
  signer: z.object({ alg: z.string(), keyId: z.string() }),
});
export type BundleManifestT = z.infer<typeof BundleManifest>;

/** signature.json: an Ed25519 signature over the manifest's exact bytes. */
export const SignatureFile = z.object({
  alg: z.string(),
  keyId: z.string(),
  manifestSha256: Sha256,
  sig: z.string(),
});
export type SignatureFileT = z.infer<typeof SignatureFile>;
