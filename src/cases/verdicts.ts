// Officers' verdicts, read back from the cases table, so analytics learns from the review page:
// a VerdictStore (src/analytics/feedback/store.ts) over PostgreSQL / PGlite.
import type { VerdictStore, VerdictT } from '../analytics/feedback/store.ts';
import type { RuleTypeT } from '../config/schema.ts';
import type { Queryable } from './db.ts';

interface Row {
  hit_id: string;
  camera_id: string;
  zone_id: string;
  rule: string;
  state: string;
  updated_at: Date | string;
  payload: { embedding?: number[]; attributes?: { box?: number[]; frameSize?: number[] } };
}

const CONFIRMED = new Set(['confirmed', 'dispatched', 'resolved']);

export class CaseVerdictStore implements VerdictStore {
  constructor(private readonly db: Queryable) {}

  /** Verdicts are written by the review API as case transitions; nothing to add here. */
  async add(_v: VerdictT): Promise<void> {
    throw new Error('CaseVerdictStore is read-only: verdicts are case transitions made through the review API');
  }

  async list(cameraId: string, rule?: string): Promise<VerdictT[]> {
    const rows = await this.db.query<Row>(
      `SELECT c.hit_id, c.camera_id, c.zone_id, c.rule, c.state, c.updated_at, e.payload
         FROM cases c JOIN hit_events e ON e.hit_id = c.hit_id AND e.event = 'opened'
        WHERE c.camera_id = $1 AND ($2::text IS NULL OR c.rule = $2)
          AND c.state IN ('confirmed', 'dispatched', 'resolved', 'rejected')
        ORDER BY c.updated_at`,
      [cameraId, rule ?? null],
    );
    const out: VerdictT[] = [];
    for (const r of rows) {
      const box = r.payload.attributes?.box;
      const size = r.payload.attributes?.frameSize;
      // Hits recorded before frame sizes were kept cannot be placed; skip rather than guess.
      if (!box || box.length !== 4 || !size || size.length !== 2) continue;
      const [w, h] = size as [number, number];
      out.push({
        hitId: r.hit_id,
        cameraId: r.camera_id,
        zoneId: r.zone_id,
        rule: r.rule as RuleTypeT,
        verdict: CONFIRMED.has(r.state) ? 'confirmed' : 'rejected',
        box: [box[0]! / w, box[1]! / h, box[2]! / w, box[3]! / h],
        embedding: r.payload.embedding,
        at: new Date(r.updated_at).getTime(),
      });
    }
    return out;
  }
}
