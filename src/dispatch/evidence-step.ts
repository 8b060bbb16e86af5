// The evidence queue's handler: reads the frames the producer staged on disk, seals them
// into a bundle (seal() is idempotent on hitId+seq), and passes the bundle ref to the case
// queue. Staged frames are deleted only after the case job is safely in Redis.
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { UnrecoverableError, type Queue } from 'bullmq';
import type { CameraConfig } from '../config/schema.ts';
import type { EvidenceService, ModelRef } from '../evidence/index.ts';
import type { ManifestT } from '../inference/manifest.ts';
import type { EvidenceRef } from '../cases/types.ts';
import { addJob, hitJobKey, jobOptions, type DispatchConfig, type HitJobT } from './queues.ts';

export interface EvidenceStepDeps {
  evidence: Pick<EvidenceService, 'seal' | 'lookup'>;
  camera(cameraId: string): CameraConfig | undefined;
  manifest: ManifestT;
  caseQueue: Queue;
  /** Frames are only deleted inside this folder (the producer's spool). */
  spoolDir?: string;
}

/** The models behind a hit's detections, with the file hashes the manifest pins. */
export function modelRefs(manifest: ManifestT, modelIds: Iterable<string>): ModelRef[] {
  return [...new Set(modelIds)].sort().map((id) => {
    const m = manifest.models.find((e) => e.id === id);
    if (!m) throw new UnrecoverableError(`model ${id} is not in the model manifest`);
    return { id: m.id, sha256: m.sha256 };
  });
}

/** Frames that are not there will never be: retrying cannot help, so fail for good. */
async function readFrames(frames: HitJobT['frames']) {
  if (frames.length === 0) throw new UnrecoverableError('hit has no frames to seal');
  return Promise.all(frames.map(async (f) => {
    const jpeg = await readFile(f.path).catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ENOENT' ? new UnrecoverableError(`staged frame ${f.path} is missing`) : err;
    });
    return { role: f.role, capturedAt: f.capturedAt, jpeg };
  }));
}

export function evidenceStep(cfg: DispatchConfig, d: EvidenceStepDeps) {
  return async ({ hit, frames }: HitJobT): Promise<EvidenceRef> => {
    const camera = d.camera(hit.cameraId);
    if (!camera) throw new UnrecoverableError(`camera ${hit.cameraId} is not configured`);
    // A retry after the seal (worker killed before finishing) finds the first bundle.
    const sealed = (await d.evidence.lookup(hit.hitId, hit.seq)) ?? (await d.evidence.seal({
      hit,
      camera,
      frames: await readFrames(frames),
      models: modelRefs(d.manifest, hit.detections.map((x) => x.modelId)),
    }));
    const ref: EvidenceRef = { bundleId: sealed.bundleId, storageKey: sealed.storageKey, manifestSha256: sealed.manifestSha256 };
    await addJob(d.caseQueue, 'case', { hit, evidence: ref }, jobOptions(cfg, `case-${hitJobKey(hit.hitId, hit.seq)}`));
    if (d.spoolDir) {
      const root = path.resolve(d.spoolDir) + path.sep;
      for (const dir of new Set(frames.map((f) => path.dirname(path.resolve(f.path))))) {
        if (dir.startsWith(root)) await rm(dir, { recursive: true, force: true });
      }
    }
    return ref;
  };
}
