// Detection as one unit, composed once for both layouts: cameras (ingest) → inference
// scheduler → per-camera analytics → durable hit outbox. The one-process appliance runs it
// over every camera; a detector worker (workers/detector-worker.ts) runs it over the cameras
// its fleet leases give it.
import path from 'node:path';
import { z } from 'zod';
import type { CameraConfig } from '../config/schema.ts';
import { StoreVerdictFilter } from '../analytics/feedback/filter.ts';
import { ruleOf, type EngineOptions } from '../analytics/engine.ts';
import { CropVerifier, loadVerifierConfig } from '../analytics/verifier/verifier.ts';
import type { CaseStore } from '../cases/index.ts';
import { CaseVerdictStore } from '../cases/verdicts.ts';
import { HitOutbox } from '../dispatch/outbox.ts';
import { dispatchConfigFromEnv } from '../dispatch/queues.ts';
import { InferenceScheduler } from '../inference/scheduler.ts';
import { PROJECT_ROOT } from '../inference/manifest.ts';
import { CameraManager } from '../ingest/camera-manager.ts';
import type { CameraDirectory } from '../config/directory.ts';
import { DetectionPipeline, modelsOf } from '../pipeline/detection-pipeline.ts';
import type { Logger } from '../util/log.ts';
import { FleetEnv, joinFleet, type Fleet } from './fleet.ts';
import type { Gb28181Service } from '../ingest/gb28181/index.ts';
import { startGb28181 } from './gb28181.ts';
import { ThreadDetector } from '../inference/thread-detector.ts';
import { startSecondStage, type SecondStage } from './second-stage.ts';

export const DetectionEnv = z.object({
  HUIYAN_STREAMS_CONFIG: z.string().default(path.join(PROJECT_ROOT, 'streams-config')),
  HUIYAN_HIT_SPOOL: z.string().default(path.join(PROJECT_ROOT, 'var/hit-spool')),
  /** Intra-op threads per ONNX session (every model of this process; docs/inference.md). */
  HUIYAN_THREADS: z.coerce.number().int().min(1).default(2),
  /** YAML with the GB28181 SIP server settings (src/ingest/gb28181/config.ts); absent: no SIP server. */
  HUIYAN_GB28181_CONFIG: z.string().optional(),
  /**
   * Seconds without an analysed sample, after a warning's time limit, before the hit is filed
   * with the last frame held ("no after frame: camera silent"; docs/cases.md, warn first).
   */
  HUIYAN_CAMERA_SILENT_SECONDS: z.coerce.number().positive().default(30),
  /** Frames of a new hit's review clip (4 s before to 4 s after its moment, spread evenly); 0: no clip (docs/evidence.md). */
  HUIYAN_EVIDENCE_CLIP_FRAMES: z.coerce.number().int().min(0).max(120).default(24),
});

export interface Detection {
  cameras: CameraManager;
  scheduler: InferenceScheduler;
  pipeline: DetectionPipeline;
  outbox: HitOutbox;
  /** Present in a detector worker: the leases (and patrol) that pick its cameras. */
  fleet?: Fleet;
  /** The SIP server GB28181 cameras play through, when HUIYAN_GB28181_CONFIG names one. */
  gb?: Gb28181Service;
  stop(): Promise<void>;
}

export interface DetectionOptions {
  env: NodeJS.ProcessEnv;
  /** Officers' verdicts are read from it (rejected look-alikes are suppressed). */
  store: CaseStore;
  log: Logger;
  /** The process's camera directory, already started; absent: one of its own on HUIYAN_STREAMS_CONFIG. */
  directory?: CameraDirectory;
  /** Share the fleet with other detector workers through Redis leases. */
  fleet?: boolean;
  /** Open-hit state shared by the site's detector workers (see OutboxOptions.openHitsDir). */
  openHitsDir?: string;
}

/**
 * Engine options per camera. The second-stage models run in their own thread, each loaded on
 * first use; those the configured zones need are loaded before the streams start.
 */
async function engineOptionsFactory(store: CaseStore, second: SecondStage, cams: CameraConfig[]): Promise<(c: CameraConfig) => EngineOptions> {
  const verdicts = new StoreVerdictFilter(new CaseVerdictStore(store.db));
  const anyZone = (t: string) => cams.some((c) => c.zones.some((z) => z.type === t));
  // Second-stage crop checks (models/verifier.json), one verifier per camera (it keeps per-track verdicts).
  const checks = await loadVerifierConfig();
  const checked = new Set(checks.checks.flatMap((c) => c.rules));
  const needsCheck = (c: CameraConfig) => c.zones.some((z) => checked.has(ruleOf(z)));
  // Embeddings let a rejected look-alike be suppressed (pooled YOLOX-nano features).
  await second.preload([
    'embedder',
    ...(anyZone('bin-point') ? ['overflow'] : []),
    ...(anyZone('protected-surface') ? ['text'] : []),
    // Plates of trucks in road zones and of vehicles in no-parking zones: PP-OCR det on the vehicle crop, then rec.
    ...(anyZone('road') || anyZone('no-parking') ? ['plates'] : []),
    ...(cams.some(needsCheck) ? [checks.model] : []),
  ]);
  const classifier = cams.some(needsCheck) ? await second.classifier(checks.model) : undefined;
  const { overflow, textReader, plateReader, embedder } = second;
  return (c) => ({ overflow, textReader, plateReader, embedder, verdicts, verifier: classifier && needsCheck(c) ? new CropVerifier(classifier, checks) : undefined });
}

export async function startDetection(o: DetectionOptions): Promise<Detection> {
  const e = DetectionEnv.parse(o.env);
  const dispatch = dispatchConfigFromEnv(o.env);
  const outbox = new HitOutbox({ dir: e.HUIYAN_HIT_SPOOL, openHitsDir: o.openHitsDir, cfg: dispatch, log: o.log.child({ part: 'outbox' }) });
  await outbox.init();
  outbox.start();

  const gb = await startGb28181(e.HUIYAN_GB28181_CONFIG, o.log.child({ part: 'gb28181' }));
  const cameras = o.directory
    ? new CameraManager({ directory: o.directory, log: o.log.child({ part: 'cameras' }) })
    : new CameraManager({ configDir: e.HUIYAN_STREAMS_CONFIG, log: o.log.child({ part: 'cameras' }) });
  // Each model in its own worker thread: inference would otherwise hold this thread (ingest,
  // analytics, the outbox and, in the appliance, the API) for every frame (thread-detector.ts).
  const scheduler = new InferenceScheduler({ load: (id) => ThreadDetector.load(id, { threads: e.HUIYAN_THREADS, log: o.log.child({ part: 'inference' }) }) });
  scheduler.start();
  // A detector worker runs no camera before its lease says so.
  if (o.fleet) await cameras.setActive([]);
  if (!o.directory) {
    const loaded = await cameras.directory.start();
    for (const i of loaded.issues) o.log.warn('camera config issue', { issue: i });
  }
  const second = await startSecondStage(e.HUIYAN_THREADS, o.log.child({ part: 'second-stage' }));
  const engineOptions = await engineOptionsFactory(o.store, second, cameras.cameras());
  const pipeline = new DetectionPipeline({ feed: cameras, scheduler, sink: outbox, engineOptions, silenceMs: e.HUIYAN_CAMERA_SILENT_SECONDS * 1000, clipFrames: e.HUIYAN_EVIDENCE_CLIP_FRAMES, log: o.log.child({ part: 'pipeline' }) });
  pipeline.start();
  // Models before streams: samples that arrive while a detector loads would be dropped.
  await scheduler.preload(cameras.cameras().flatMap(modelsOf));
  const fleet = o.fleet
    ? await joinFleet(cameras, { redisUrl: dispatch.redisUrl, prefix: dispatch.prefix, settings: FleetEnv.parse(o.env) }, o.log.child({ part: 'leases' }))
    : undefined;
  await cameras.start();
  return {
    cameras,
    scheduler,
    pipeline,
    outbox,
    fleet,
    gb,
    async stop() {
      await fleet?.stop();
      await cameras.stop();
      await pipeline.stop();
      await gb?.stop();
      await scheduler.stop();
      await second.close();
      await outbox.flush().catch(() => undefined);
      await outbox.stop();
    },
  };
}
