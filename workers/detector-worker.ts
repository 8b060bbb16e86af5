// A detector worker: camera leases (+ patrol) → ingest → inference → analytics → hit outbox.
// Run several, on one or many machines, against one Redis and one PostgreSQL: they share the
// fleet in streams-config/ and a dead worker's cameras move to the others within the lease TTL.
//
//   node --import tsx workers/detector-worker.ts
//
// Settings (environment): HUIYAN_WORKER_ID, HUIYAN_LEASE_TTL_MS, HUIYAN_PATROL_BUDGET,
// HUIYAN_PATROL_DWELL_MS, HUIYAN_HEALTH_EVERY_MS, plus the shared HUIYAN_REDIS_URL,
// HUIYAN_QUEUE_PREFIX, HUIYAN_DATABASE_URL, HUIYAN_STREAMS_CONFIG, HUIYAN_HIT_SPOOL (the site's
// spool root; this worker's outbox is <root>/<worker id>) — README: "The site".
import path from 'node:path';
import { z } from 'zod';
import { openCaseStore, dbOptionsFromEnv, loadViolationCodes } from '../src/cases/index.ts';
import { DEFAULT_CODES_FILE } from '../src/cases/codes.ts';
import { DetectionEnv, startDetection } from '../src/app/detection.ts';
import { FleetEnv } from '../src/app/fleet.ts';
import { closeOnSignal } from '../src/dispatch/runtime.ts';
import { createLogger } from '../src/util/log.ts';

const Env = z.object({ HUIYAN_HEALTH_EVERY_MS: z.coerce.number().int().min(100).default(5_000) });
const log = createLogger({ stage: 'detector', pid: process.pid });
const store = await openCaseStore({ ...dbOptionsFromEnv(), codes: await loadViolationCodes(process.env.HUIYAN_CODES ?? DEFAULT_CODES_FILE) });
// Each worker's outbox is its own folder under the site's spool root, which the evidence
// workers read staged frames from (one host, or a filesystem shared by the hosts).
const workerId = FleetEnv.parse(process.env).HUIYAN_WORKER_ID;
const siteSpool = DetectionEnv.parse(process.env).HUIYAN_HIT_SPOOL;
const spool = path.join(siteSpool, workerId);
// Open hits live beside every worker's outbox, not inside one: a camera taken over after a crash
// continues its violation as the same hit (leases keep one writer per camera).
const detection = await startDetection({ env: { ...process.env, HUIYAN_HIT_SPOOL: spool }, store, log, fleet: true, openHitsDir: path.join(siteSpool, 'open-hits') });
log.info('worker started', { workerId, spool });

const health = setInterval(() => {
  const sources = detection.cameras.health();
  log.info('health', {
    ...detection.fleet!.health(),
    states: Object.fromEntries(sources.map((h) => [h.cameraId, h.state])),
    cameras: Object.fromEntries(sources.map((h) => [h.cameraId, { frames: h.framesTotal, reconnects: h.reconnects, lastError: h.lastError }])),
    pipeline: detection.pipeline.health(),
    outbox: detection.outbox.health(),
  });
}, Env.parse(process.env).HUIYAN_HEALTH_EVERY_MS);

closeOnSignal(log, async () => clearInterval(health), () => detection.stop(), () => store.close());
