// The evidence queue's handler: reads the frames the producer staged on disk, seals them
// into a bundle (seal() is idempotent on hitId+seq), and passes the bundle ref to the case
// queue. Staged frames are deleted only after the case job is safely in Redis.
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { UnrecoverableError, type Queue } from 'bullmq';
import type { CameraConfig } from '../config/schema.ts';
import type { EvidenceFrame, EvidenceService, ModelRef, SealInput } from '../evidence/index.ts';
import type { HitEventT } from '../contracts/hit.ts';
import { UnknownContributorError, type ModelRegistry } from '../inference/registry.ts';
import type { EvidenceRef } from '../cases/types.ts';
import { addJob, hitJobKey, jobOptions, type DispatchConfig, type HitJobT } from './queues.ts';

export interface EvidenceStepDeps {
  evidence: Pick<EvidenceService, 'seal' | 'lookup'>;
  camera(cameraId: string): CameraConfig | undefined;
  /** Every model, head and algorithm a hit may name (src/inference/registry.ts). */
  models: ModelRegistry;
  caseQueue: Queue;
  /** Frames are only deleted inside this folder (the producer's spool). */
  spoolDir?: string;
}

/**
 * Everything behind a hit: its detections' models and its other contributors (`hit.models`),
 * with what they depend on, as the registry pins them. An id the registry lacks is a
 * deployment error that no retry fixes.
 */
export function contributorRefs(registry: ModelRegistry, hit: Pick<HitEventT, 'detections' | 'models'>): ModelRef[] {
  try {
    return registry.refs([...hit.detections.map((x) => x.modelId), ...hit.models]);
  } catch (e) {
    throw e instanceof UnknownContributorError ? new UnrecoverableError(e.message) : e;
  }
}

/** Frames that are not there will never be: retrying cannot help, so fail for good. */
async function readFrame(f: HitJobT['frames'][number]) {
  const jpeg = await readFile(f.path).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ENOENT' ? new UnrecoverableError(`staged frame ${f.path} is missing`) : err;
  });
  return { capturedAt: f.capturedAt, jpeg };
}

/**
 * The bundle's stills (roles before/at/after) and, when the producer staged `clip` frames, the
 * review clip: those frames with the stills that fall in their time span, in capture order.
 */
export async function framesToSeal(frames: HitJobT['frames']): Promise<Pick<SealInput, 'frames' | 'clip' | 'clipFrames'>> {
  const stills = frames.filter((f): f is typeof f & { role: EvidenceFrame['role'] } => f.role !== 'clip');
  if (stills.length === 0) throw new UnrecoverableError('hit has no frames to seal');
  const sealStills = await Promise.all(stills.map(async (f) => ({ role: f.role, ...(await readFrame(f)) })));
  const clipOnly = frames.filter((f) => f.role === 'clip');
  if (clipOnly.length === 0) return { frames: sealStills };
  const first = Math.min(...clipOnly.map((f) => f.capturedAt));
  const last = Math.max(...clipOnly.map((f) => f.capturedAt));
  const inSpan = sealStills.filter((f) => f.capturedAt >= first && f.capturedAt <= last);
  const clipFrames = [...inSpan, ...(await Promise.all(clipOnly.map(readFrame)))].sort((a, b) => a.capturedAt - b.capturedAt);
  return { frames: sealStills, clip: true, clipFrames };
}

export function evidenceStep(cfg: DispatchConfig, d: EvidenceStepDeps) {
  return async ({ hit, frames }: HitJobT): Promise<EvidenceRef> => {
    const camera = d.camera(hit.cameraId);
    if (!camera) throw new UnrecoverableError(`camera ${hit.cameraId} is not configured`);
    // A retry after the seal (worker killed before finishing) finds the first bundle.
    const sealed = (await d.evidence.lookup(hit.hitId, hit.seq)) ?? (await d.evidence.seal({
      hit,
      camera,
      ...(await framesToSeal(frames)),
      models: contributorRefs(d.models, hit),
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
