// Officers' verdicts as analytics consults them: a VerdictStore (src/analytics/feedback/store.ts)
// over the `verdicts` table, which the case lifecycle fills on every confirmation or rejection
// (src/cases/repository.ts). Rejections whose reason does not mean "not a violation"
// (duplicate, image unusable, …) are not verdicts on the scene and are not returned.
import type { VerdictStore, VerdictT } from '../analytics/feedback/store.ts';
import type { RuleTypeT } from '../config/schema.ts';
import type { Queryable } from './db.ts';

interface Row {
  hit_id: string;
  camera_id: string;
  zone_id: string;
  rule: string;
  verdict: 'confirmed' | 'rejected';
  reason: string | null;
  place: number[] | null;
  embedding: number[] | null;
  actor: string;
  at: Date | string;
}

export class CaseVerdictStore implements VerdictStore {
  constructor(private readonly db: Queryable) {}

  /** Verdicts are written by the review API as case transitions; nothing to add here. */
  async add(_v: VerdictT): Promise<void> {
    throw new Error('CaseVerdictStore is read-only: verdicts are case transitions made through the review API');
  }

  async list(cameraId: string, rule?: string): Promise<VerdictT[]> {
    const rows = await this.db.query<Row>(
      `SELECT hit_id, camera_id, zone_id, rule, verdict, reason, place, embedding, actor, at
         FROM verdicts
        WHERE camera_id = $1 AND ($2::text IS NULL OR rule = $2)
          AND (verdict = 'confirmed' OR suppresses)
        ORDER BY at`,
      [cameraId, rule ?? null],
    );
    const out: VerdictT[] = [];
    for (const r of rows) {
      // A hit without a known place cannot be matched to a later one; skip rather than guess.
      if (!r.place || r.place.length !== 4) continue;
      out.push({
        hitId: r.hit_id,
        cameraId: r.camera_id,
        zoneId: r.zone_id,
        rule: r.rule as RuleTypeT,
        verdict: r.verdict,
        reason: r.reason ?? undefined,
        box: r.place as [number, number, number, number],
        embedding: r.embedding ?? undefined,
        at: new Date(r.at).getTime(),
        officer: r.actor,
      });
    }
    return out;
  }
}
