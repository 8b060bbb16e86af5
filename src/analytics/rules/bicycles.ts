// 非机动车乱停放: at least `minVehicles` two-wheelers (COCO bicycle or motorcycle; an e-bike is
// seen as either) each standing in the zone for longer than the dwell, within the zone's
// hours. Standing is judged as parking does: the box centre stays within `stillTolerance` of
// its diagonal from where the two-wheeler settled. It is kept per spot, not per track: the
// detector flips an e-bike between bicycle and motorcycle and a passer-by hides it, and the
// tracker then starts a new track on the same bike, which must not restart its dwell. One hit
// per zone (its place is the zone's bounding box) carrying the peak count, updated when the
// peak rises, as crowding does: a row of bicycles is one violation however many stand in it.
import type { ZoneT } from '../../config/schema.ts';
import type { Detection } from '../../inference/types.ts';
import { TRACKER } from '../../inference/registry.ts';
import type { Finding } from '../dedup.ts';
import { bottomCentre, centre, diagonal, pointInPolygon, polygonBox, type Pt } from '../geometry.ts';
import { oneTrackPerObject } from '../tracker.ts';
import type { Rule, RuleContext } from './types.ts';

type NoBicycleParkingZone = Extract<ZoneT, { type: 'no-bicycle-parking' }>;

/** COCO classes of non-motor vehicles here: bicycles, and motorcycles for e-bikes and scooters (cars belong to 机动车违停). */
export const TWO_WHEELER_CLASSES: ReadonlySet<string> = new Set(['bicycle', 'motorcycle']);

/** Where a two-wheeler settled, since when, and when and how it was last seen. */
interface Spot {
  anchor: Pt;
  since: number;
  lastSeen: number;
  detection: Detection;
}

export class BicyclesRule implements Rule {
  readonly type = 'bicycles' as const;
  private spots: Spot[] = [];
  /** The current run of ≥ minVehicles past the dwell: its peak count, when, and of which classes. */
  private peak: { n: number; at: number; bicycles: number } | undefined;
  /** A spot not seen for this long (hidden by passers-by, missed detections) is given up: the bike was taken away. */
  private readonly gapMs = 10_000;

  constructor(readonly zone: NoBicycleParkingZone) {}

  async evaluate(ctx: RuleContext): Promise<Finding[]> {
    const { now } = ctx;
    // An e-bike seen as bicycle and as motorcycle is one; the most confident view stays.
    const seen = oneTrackPerObject(
      ctx.tracks
        .filter((t) => TWO_WHEELER_CLASSES.has(t.detection.className) && t.bestScore >= this.zone.minScore && pointInPolygon(bottomCentre(t.confidentBox), ctx.polygon))
        .sort((a, b) => b.detection.score - a.detection.score),
    );
    const claimed = new Set<Spot>();
    for (const t of seen) {
      const c = centre(t.box);
      const near = (s: Spot) => !claimed.has(s) && Math.hypot(c[0] - s.anchor[0], c[1] - s.anchor[1]) <= this.zone.stillTolerance * diagonal(t.box);
      // The longest-standing spot it stands on; none: it settles here now (first sight or moved).
      let s = this.spots.filter(near).sort((a, b) => a.since - b.since)[0];
      if (!s) this.spots.push((s = { anchor: c, since: now, lastSeen: now, detection: t.detection }));
      s.lastSeen = now;
      s.detection = t.detection;
      claimed.add(s);
    }
    this.spots = this.spots.filter((s) => now - s.lastSeen <= this.gapMs);

    const k = this.zone.minVehicles;
    // Seen standing for the dwell: a spot whose bike went out of sight before then does not ripen unseen.
    const parked = this.spots.filter((s) => s.lastSeen - s.since >= this.zone.dwellSeconds * 1000).sort((a, b) => a.since - b.since);
    const n = parked.length;
    if (n < k) {
      this.peak = undefined;
      return [];
    }
    if (!this.peak || n > this.peak.n) this.peak = { n, at: now, bicycles: parked.filter((s) => s.detection.className === 'bicycle').length };
    if (!ctx.enforced) return [];
    const p = this.peak;
    return [{
      rule: 'bicycles',
      zoneId: this.zone.id,
      box: polygonBox(ctx.polygon),
      // The count reached the threshold when the k-th of them settled.
      since: parked[k - 1]!.since,
      score: parked.reduce((sum, s) => sum + s.detection.score, 0) / n,
      detections: parked.map((s) => s.detection),
      models: [TRACKER.id],
      thresholds: { minVehicles: k, dwellSeconds: this.zone.dwellSeconds, minScore: this.zone.minScore, stillTolerance: this.zone.stillTolerance },
      attributes: { peakVehicles: p.n, peakAt: p.at, bicycles: p.bicycles, motorcycles: p.n - p.bicycles },
    }];
  }

  /** When the k-th two-wheeler now standing settled (the count reached the threshold): the evidence's first moment, kept by the frame ring until the hit is filed. */
  keepMoments(): number[] {
    const since = this.spots.map((s) => s.since).sort((a, b) => a - b)[this.zone.minVehicles - 1];
    return since === undefined ? [] : [since];
  }
}
