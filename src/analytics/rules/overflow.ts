// 垃圾满溢: at a bin-point zone, the overflow classifier scores the zone's crop each sample;
// overflowing for longer than the dwell (one negative sample tolerated) is a violation.
import type { ZoneT } from '../../config/schema.ts';
import type { BgrImage } from '../../ingest/types.ts';
import type { Box } from '../../inference/types.ts';
import type { Finding } from '../dedup.ts';
import { polygonBox } from '../geometry.ts';
import type { Rule, RuleContext } from './types.ts';

type BinZone = Extract<ZoneT, { type: 'bin-point' }>;

/** Probability that the crop shows an overflowing bin point. */
export interface OverflowScorer {
  readonly id: string;
  score(image: BgrImage, box: Box): Promise<number>;
}

export class OverflowRule implements Rule {
  readonly type = 'overflow' as const;
  private since: number | undefined;
  private misses = 0;
  private last = 0;

  constructor(
    readonly zone: BinZone,
    private readonly scorer?: OverflowScorer,
  ) {}

  async evaluate(ctx: RuleContext): Promise<Finding[]> {
    if (!this.scorer || !ctx.image) return [];
    const box = polygonBox(ctx.polygon);
    const s = ctx.imageScale;
    const p = await this.scorer.score(ctx.image, box.map((v) => v * s) as Box);
    this.last = p;
    if (p >= this.zone.overflowThreshold) {
      this.since ??= ctx.now;
      this.misses = 0;
    } else if (++this.misses >= 2) {
      this.since = undefined;
    }
    if (!ctx.enforced || this.since === undefined || this.misses > 0 || ctx.now - this.since < this.zone.dwellSeconds * 1000) return [];
    return [
      {
        rule: 'overflow',
        zoneId: this.zone.id,
        box,
        since: this.since,
        score: p,
        detections: [{ box, score: p, classId: 0, className: 'overflowing', label: 'garbage', modelId: this.scorer.id }],
        // The head's backbone is added by the registry.
        models: [],
        thresholds: { dwellSeconds: this.zone.dwellSeconds, overflowThreshold: this.zone.overflowThreshold },
        attributes: { probability: Math.round(this.last * 1000) / 1000 },
      },
    ];
  }
}
