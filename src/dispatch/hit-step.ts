// The hit queue's handler: routes each hit event. An opened hit needs evidence first, and so
// does a warn-first hit's update or clear that carries a frame (its "after" evidence); other
// updates and clears go straight to the case queue (they only amend the hit's record).
import type { Queue } from 'bullmq';
import { addJob, hitJobKey, jobOptions, type DispatchConfig, type HitJobT } from './queues.ts';

export function hitStep(cfg: DispatchConfig, evidenceQueue: Queue, caseQueue: Queue) {
  return async (data: HitJobT): Promise<string> => {
    const key = hitJobKey(data.hit.hitId, data.hit.seq);
    if (data.hit.event === 'opened' || (data.hit.evidenceDue && data.frames.length > 0)) {
      await addJob(evidenceQueue, 'evidence', data, jobOptions(cfg, `ev-${key}`));
      return 'evidence';
    }
    await addJob(caseQueue, 'hit-event', { hit: data.hit }, jobOptions(cfg, `ce-${key}`));
    return 'case';
  };
}
