// The case-queue path as the pipeline runs it: a sealed hit goes onto the BullMQ `case`
// queue, the cases stage's case worker (caseStep) creates the case, and the API's
// CaseQueueAlertFeed announces it from the queue's completion event. Real Redis, unique prefix.
import { randomBytes } from 'node:crypto';
import { CaseQueueAlertFeed } from '../../../src/api/alerts/case-queue-feed.ts';
import { caseStep } from '../../../src/dispatch/case-step.ts';
import { addJob, CaseJob, dispatchConfigFromEnv, hitJobKey, jobOptions, makeQueue, QUEUES } from '../../../src/dispatch/queues.ts';
import { startStepWorker } from '../../../src/dispatch/runtime.ts';
import { parseStreamsYaml } from '../../../src/config/load.ts';
import { sealHit, STREAMS_YAML, type AlertSource, type Harness } from './harness.ts';
import type { WarnFirstT } from '../../../src/config/schema.ts';

export const TEST_REDIS = process.env.HUIYAN_TEST_REDIS ?? 'redis://127.0.0.1:6379';

export interface QueuePath {
  source: AlertSource;
  /** Puts a case job on the queue as the evidence worker does (jobId defaults to its key). */
  enqueue(job: Awaited<ReturnType<typeof sealHit>>, jobId?: string): Promise<void>;
  feed: CaseQueueAlertFeed;
  close(): Promise<void>;
}

/** `warnFirst`: every zone warns first with this block (限时整改); its warnings are not sent here. */
export async function startQueuePath(h: Harness, redisUrl = TEST_REDIS, warnFirst?: WarnFirstT): Promise<QueuePath> {
  const cfg = {
    ...dispatchConfigFromEnv({ HUIYAN_REDIS_URL: redisUrl, HUIYAN_QUEUE_PREFIX: `tapi${randomBytes(4).toString('hex')}` }),
    attempts: 3,
    backoffMs: 200,
  };
  const cams = new Map(parseStreamsYaml(STREAMS_YAML, 'test').cameras.map((c) => [c.id, c]));
  const worker = startStepWorker(cfg, {
    queue: QUEUES.case,
    schema: CaseJob,
    handle: caseStep({ store: h.store, locate: (id) => cams.get(id)?.location, warnFirst: warnFirst && (() => warnFirst) }),
  });
  const caseQ = makeQueue(QUEUES.case, cfg);
  const feed = new CaseQueueAlertFeed(h.bus, h.cases, { redisUrl, prefix: cfg.prefix, cameraName: (id) => cams.get(id)?.name });
  await feed.start();

  const enqueue: QueuePath['enqueue'] = ({ hit, evidence }, jobId) =>
    addJob(caseQ, 'case', { hit, evidence }, jobOptions(cfg, jobId ?? `case-${hitJobKey(hit.hitId, hit.seq)}`));
  const source: AlertSource = async (hh, at) => {
    const sealed = await sealHit(hh, at);
    const { hit } = sealed;
    await enqueue(sealed);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const c = await hh.store.getCaseByHit(hit.hitId);
      if (c) return { caseId: c.id };
      if (Date.now() > deadline) throw new Error(`no case for ${hit.hitId} after 60 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  return {
    source,
    enqueue,
    feed,
    async close() {
      await worker.close();
      await feed.stop();
      // Remove this test's keys from the shared Redis.
      await caseQ.obliterate({ force: true }).catch(() => {});
      await caseQ.close();
    },
  };
}
