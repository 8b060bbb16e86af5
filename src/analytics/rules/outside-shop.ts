// 店外经营: a shop's goods and furniture (tables, chairs, parasols, plant stands, display
// coolers) standing still beyond its frontage line, on the street side, inside the zone, for
// longer than the dwell within the zone's hours. Stationarity is the tracker's (a box centre
// within the jitter tolerance of where it settled, src/analytics/tracker.ts); an object must
// have rested `settleMs` before it counts, so goods carried past do not. One finding per zone:
// the place is the shop's frontage (the zone's bounding box), updated as goods come and go,
// carrying the licence number of the shop the zone is bound to (the case's party).
import type { ZoneT } from '../../config/schema.ts';
import { TRACKER } from '../../inference/registry.ts';
import type { Finding } from '../dedup.ts';
import { bottomCentre, pointInPolygon, polygonBox, sideOfLine, toPixels } from '../geometry.ts';
import { Tracker } from '../tracker.ts';
import type { Rule, RuleContext } from './types.ts';

type ShopFrontageZone = Extract<ZoneT, { type: 'shop-frontage' }>;

/**
 * COCO classes a shop puts out front: furniture (chair, bench, dining table, couch), parasols
 * (umbrella), plant stands (potted plant) and drink coolers (refrigerator). Left out: suitcase,
 * which YOLOX-nano gives to wheelie bins (45 of the 1615 bin photos in shared/data/overflow at
 * ≥ 0.5) and a bin point in front of a shop is no violation; bags, bottles and cups, which
 * passers-by carry; bicycles and motorcycles (非机动车乱停放); people (a person is no goods).
 */
export const SHOP_GOODS_CLASSES: ReadonlySet<string> = new Set(['chair', 'bench', 'dining table', 'couch', 'umbrella', 'potted plant', 'refrigerator']);

export class OutsideShopRule implements Rule {
  readonly type = 'outside_shop' as const;
  /** Goods beyond the line since when (the dwell's start), kept across short gaps. */
  private standing: { since: number; lastSeen: number } | undefined;
  /** An object must have stayed put this long before it counts (goods carried past never do). */
  private readonly settleMs = 5_000;
  /** Goods unseen for less than this (a passer-by in front, a missed detection) keep the dwell. */
  private readonly gapMs = 20_000;

  constructor(readonly zone: ShopFrontageZone) {}

  async evaluate(ctx: RuleContext): Promise<Finding[]> {
    const { now } = ctx;
    const line = toPixels(this.zone.frontage, ctx.width, ctx.height);
    const goods = ctx.tracks.filter((t) => {
      const foot = bottomCentre(t.confidentBox);
      return SHOP_GOODS_CLASSES.has(t.detection.className) && t.bestScore >= this.zone.minScore && Tracker.stationaryFor(t, now) >= this.settleMs &&
        pointInPolygon(foot, ctx.polygon) && sideOfLine(foot, line) === this.zone.streetSide;
    });
    if (goods.length) {
      if (!this.standing || now - this.standing.lastSeen > this.gapMs) this.standing = { since: Math.min(...goods.map((t) => t.stationarySince)), lastSeen: now };
      this.standing.lastSeen = now;
    } else if (this.standing && now - this.standing.lastSeen > this.gapMs) {
      this.standing = undefined;
    }
    const s = this.standing;
    if (!ctx.enforced || !s || !goods.length || now - s.since < this.zone.dwellSeconds * 1000) return [];
    return [{
      rule: 'outside_shop',
      zoneId: this.zone.id,
      box: polygonBox(ctx.polygon),
      since: s.since,
      score: goods.reduce((sum, t) => sum + t.detection.score, 0) / goods.length,
      detections: goods.map((t) => t.detection),
      models: [TRACKER.id],
      thresholds: { dwellSeconds: this.zone.dwellSeconds, minScore: this.zone.minScore, streetSide: this.zone.streetSide },
      attributes: {
        partyLicenceNo: this.zone.partyLicenceNo,
        trackIds: goods.map((t) => t.id).sort((a, b) => a - b),
        objects: goods.map((t) => t.detection.className).sort(),
        standingSince: s.since,
      },
    }];
  }

  /** When the goods came to rest beyond the line: the evidence's first moment, kept by the frame ring until the hit is filed. */
  keepMoments(): number[] {
    return this.standing ? [this.standing.since] : [];
  }
}
