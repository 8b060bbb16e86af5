// The case queue's handler: a sealed hit becomes a case (once: the hit id is unique), and
// hit updates/clears are recorded against it. DB constraints make every redelivery harmless.
// In a warn-first zone the case starts as `warned` and its warnings and grace-end backstop are
// queued; the hit's later events settle it (src/cases/warn.ts).
import type { Job } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import { MissingCodeError, type CaseStore, type CaseLocation } from '../cases/index.ts';
import { CaseJob } from './queues.ts';
import { linkCaseParty, repeatWindowDaysFromEnv } from '../cases/parties/index.ts';
import { readWarning } from '../cases/warn.ts';
import type { WarnFirstT } from '../config/schema.ts';

export interface CaseStepDeps {
  store: CaseStore;
  locate(cameraId: string): CaseLocation | undefined;
  /** Called after each change so the notification relay runs without waiting for its timer. */
  changed?: () => void;
  /** Earlier cases of a party within this many days count as repeats (default HUIYAN_REPEAT_WINDOW_DAYS). */
  repeatWindowDays?: number;
  /** The zone's warn-first block, if it warns first (camera config). */
  warnFirst?(cameraId: string, zoneId: string): WarnFirstT | undefined;
  /** Queues a warned case's warnings and backstop (src/dispatch/warn.ts scheduleWarning); required with warnFirst. */
  scheduleWarning?(caseId: string, wf: WarnFirstT, graceUntil: number): Promise<void>;
}

export function caseStep(d: CaseStepDeps) {
  const windowDays = d.repeatWindowDays ?? repeatWindowDaysFromEnv();
  return async (data: unknown, job: Job): Promise<unknown> => {
    const parsed = CaseJob.safeParse(data);
    if (!parsed.success) throw new UnrecoverableError(`invalid case job: ${parsed.error.issues[0]?.message}`);
    const { hit, evidence } = parsed.data;
    if (hit.evidenceDue) {
      // A warn-first hit's scene after the warning: it may settle the warned case.
      const r = await d.store.writer.recordWarnEvent(hit, evidence);
      // The hit's `opened` job (slower: it waits for the after-frame) has not made the case yet.
      if (r.noCase) throw new Error(`hit ${hit.hitId} has no case yet; its event ${hit.seq} waits`);
      d.changed?.();
      // `filed`: a new case for officers from here on (the API's alert feed announces it).
      return { recorded: r.recorded, caseId: r.caseId, outcome: r.outcome, filed: r.outcome === 'filed' };
    }
    if (job.name === 'hit-event' || hit.event !== 'opened') {
      const recorded = await d.store.recordHitEvent(hit);
      d.changed?.();
      return { recorded };
    }
    const location = d.locate(hit.cameraId);
    if (!location) throw new UnrecoverableError(`camera ${hit.cameraId} has no location configured`);
    const warnFirst = d.warnFirst?.(hit.cameraId, hit.zoneId);
    const r = await d.store.createFromHit({ hit, location, evidence, warnFirst }).catch((err) => {
      throw err instanceof MissingCodeError ? new UnrecoverableError(err.message) : err;
    });
    // Also on a redelivered job: the link is written once, and a crash between the two is healed here.
    const party = await linkCaseParty(d.store.db, r.case.id, hit, { windowDays });
    // After the party link (an SMS may go to the party's phone); on a redelivered job too (job ids make it a no-op).
    if (r.case.state === 'warned') {
      const w = await readWarning(d.store.db, r.case.id);
      if (w && d.scheduleWarning) await d.scheduleWarning(r.case.id, w.config, w.graceUntil.getTime());
    }
    d.changed?.();
    return { caseId: r.case.id, created: r.created, party: party?.link };
  };
}
