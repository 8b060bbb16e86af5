// Learning from verdicts: a rejected hit suppresses look-alikes (cosine similarity of the
// appearance embedding) at the same place; confirmed look-alikes strengthen a new hit and
// outvote an older rejection.
import type { Box } from '../../inference/types.ts';
import type { VerdictFilter } from '../engine.ts';
import { iou, normaliseBox, overlapSmaller } from '../geometry.ts';
import type { RuleTypeT } from '../../config/schema.ts';
import type { VerdictStore } from './store.ts';

export interface VerdictFilterOptions {
  /** Cosine similarity above which two hits look the same. */
  similarity: number;
  /** Same place: normalised boxes overlapping this much (IoU or over the smaller box). */
  samePlace: number;
  /** Score added per similar confirmation, capped at 3. */
  boostPerConfirmation: number;
}

export const DEFAULT_VERDICT_FILTER: VerdictFilterOptions = { similarity: 0.9, samePlace: 0.5, boostPerConfirmation: 0.05 };

export function cosine(a: number[], b: number[]): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

export class StoreVerdictFilter implements VerdictFilter {
  readonly opts: VerdictFilterOptions;
  constructor(
    private readonly store: VerdictStore,
    opts: Partial<VerdictFilterOptions> = {},
  ) {
    this.opts = { ...DEFAULT_VERDICT_FILTER, ...opts };
  }

  async check(q: { cameraId: string; zoneId: string; rule: RuleTypeT; box: Box; width: number; height: number; embedding?: number[] }) {
    const place = normaliseBox(q.box, q.width, q.height);
    const here = (await this.store.list(q.cameraId, q.rule)).filter(
      (v) => v.zoneId === q.zoneId && (iou(v.box, place) >= this.opts.samePlace || overlapSmaller(v.box, place) >= this.opts.samePlace),
    );
    // Without an embedding, place alone decides nothing: a new object may stand where a rejected one stood.
    const sim = (e?: number[]): number => (q.embedding && e ? cosine(q.embedding, e) : -1);
    const rejected = here.filter((v) => v.verdict === 'rejected').map((v) => sim(v.embedding));
    const confirmed = here.filter((v) => v.verdict === 'confirmed').map((v) => sim(v.embedding));
    const bestReject = Math.max(-1, ...rejected);
    const bestConfirm = Math.max(-1, ...confirmed);
    const similarConfirms = confirmed.filter((s) => s >= this.opts.similarity).length;
    const boost = Math.min(3, similarConfirms) * this.opts.boostPerConfirmation;
    if (bestReject >= this.opts.similarity && bestReject > bestConfirm) {
      return { suppress: true, boost: 0, reason: `similar (cos ${bestReject.toFixed(3)}) to a rejected hit at this place` };
    }
    return { suppress: false, boost };
  }
}
