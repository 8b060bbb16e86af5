// 人群聚集: at least `minPersons` people stand or walk in the crowd zone for longer than
// `durationSeconds`, within the zone's hours. People are counted on each sample's detections
// (bottom centre in the zone), not on tracks: in a dense crowd walking people switch tracks
// and unconfirmed ones would be missed, while a count needs no identity. One hit per zone (its place is the zone's
// bounding box) carrying the peak count, updated when the peak rises; after it clears the
// zone's cooldown keeps the same crowd from alerting again.
import type { ZoneT } from '../../config/schema.ts';
import type { Finding } from '../dedup.ts';
import { area, bottomCentre, pointInPolygon, polygonBox } from '../geometry.ts';
import type { Rule, RuleContext } from './types.ts';

type CrowdZone = Extract<ZoneT, { type: 'crowd' }>;

export class CrowdingRule implements Rule {
  readonly type = 'crowding' as const;
  /** Since when the count has held at or above the threshold, and its peak so far. */
  private crowd: { since: number; lastAbove: number; peak: number; peakAt: number } | undefined;
  /** Dips below the threshold shorter than this (people hidden behind each other, missed detections) do not end the crowd. */
  private readonly gapMs = 2_000;

  constructor(readonly zone: CrowdZone) {}

  async evaluate(ctx: RuleContext): Promise<Finding[]> {
    const { now } = ctx;
    const frameArea = ctx.width * ctx.height;
    const people = ctx.detections.filter((d) => {
      const a = area(d.box) / frameArea;
      return d.label === 'person' && d.score >= this.zone.minScore && a >= this.zone.size.minBoxArea && a <= this.zone.size.maxBoxArea && pointInPolygon(bottomCentre(d.box), ctx.polygon);
    });
    const n = people.length;
    if (n >= this.zone.minPersons) {
      if (!this.crowd || now - this.crowd.lastAbove > this.gapMs) this.crowd = { since: now, lastAbove: now, peak: n, peakAt: now };
      this.crowd.lastAbove = now;
      if (n > this.crowd.peak) Object.assign(this.crowd, { peak: n, peakAt: now });
    } else if (this.crowd && now - this.crowd.lastAbove > this.gapMs) {
      this.crowd = undefined;
    }
    const c = this.crowd;
    if (!ctx.enforced || !c || n < this.zone.minPersons || now - c.since < this.zone.durationSeconds * 1000) return [];
    return [{
      rule: 'crowding',
      zoneId: this.zone.id,
      box: polygonBox(ctx.polygon),
      since: c.since,
      score: people.reduce((s, d) => s + d.score, 0) / n,
      detections: people,
      models: [],
      thresholds: { minPersons: this.zone.minPersons, durationSeconds: this.zone.durationSeconds, minScore: this.zone.minScore, cooldownSeconds: this.zone.cooldownSeconds },
      attributes: { peakPersons: c.peak, peakAt: c.peakAt },
    }];
  }

  /** When the crowd began: the evidence's first moment, kept by the frame ring until the hit is filed. */
  keepMoments(): number[] {
    return this.crowd ? [this.crowd.since] : [];
  }
}
