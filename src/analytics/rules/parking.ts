// 机动车违停: a car, truck or bus whose box centre stays within `stillTolerance` of its
// diagonal inside the no-parking zone for longer than the dwell, within the zone's hours.
// One finding per vehicle; a vehicle the detector sees as both car and truck (a van) is one
// vehicle. The hit records where the vehicle stood when the dwell began (`stoppedAt`,
// `stoppedBox`) so the evidence shows it in place at the dwell's start and end, and the plate
// voted over the frames of its track.
import type { ZoneT } from '../../config/schema.ts';
import type { Box } from '../../inference/types.ts';
import { TRACKER } from '../../inference/registry.ts';
import type { Finding } from '../dedup.ts';
import { bottomCentre, centre, diagonal, pointInPolygon, type Pt } from '../geometry.ts';
import { oneTrackPerObject, type Track } from '../tracker.ts';
import { TrackPlate, type VehiclePlateReader } from './plate-sampler.ts';
import type { Rule, RuleContext } from './types.ts';

type NoParkingZone = Extract<ZoneT, { type: 'no-parking' }>;

/** COCO classes that are motor vehicles here (bicycles and motorcycles belong to 非机动车乱停放). */
export const PARKING_CLASSES: ReadonlySet<string> = new Set(['car', 'truck', 'bus']);

/** One vehicle track standing still: where it settled and since when. */
interface Standing {
  anchor: Pt;
  since: number;
  box: Box;
  lastSeen: number;
  plate: TrackPlate;
}

export class ParkingRule implements Rule {
  readonly type = 'parking' as const;
  private standing = new Map<number, Standing>();
  /** A track missing from a few samples (a missed detection, a passer-by in front) keeps its dwell; the tracker drops it after 5 s. */
  private readonly gapMs = 5_000;

  constructor(
    readonly zone: NoParkingZone,
    private readonly plates?: VehiclePlateReader,
  ) {}

  async evaluate(ctx: RuleContext): Promise<Finding[]> {
    const { now } = ctx;
    const vehicles = ctx.tracks.filter(
      (t) => PARKING_CLASSES.has(t.detection.className) && t.bestScore >= this.zone.minScore && pointInPolygon(bottomCentre(t.confidentBox), ctx.polygon),
    );
    for (const t of vehicles) {
      const c = centre(t.box);
      let s = this.standing.get(t.id);
      if (!s || Math.hypot(c[0] - s.anchor[0], c[1] - s.anchor[1]) > this.zone.stillTolerance * diagonal(t.box)) {
        // First sight or moved: the dwell starts (again) here.
        s = { anchor: c, since: now, box: t.box, lastSeen: now, plate: s?.plate ?? new TrackPlate() };
        this.standing.set(t.id, s);
      }
      s.lastSeen = now;
      if (ctx.image) await s.plate.sample(this.plates, now, ctx.image, ctx.imageScale, t.detection.box);
    }
    // Tracks gone from the zone (left, lost) no longer stand here.
    for (const [id, s] of this.standing) if (now - s.lastSeen > this.gapMs) this.standing.delete(id);

    const dwellMs = this.zone.dwellSeconds * 1000;
    const findings: Finding[] = [];
    if (!ctx.enforced) return findings;
    for (const t of oneTrackPerVehicle(vehicles, this.standing)) {
      const s = this.standing.get(t.id)!;
      if (now - s.since < dwellMs) continue;
      const plate = s.plate.vote.result();
      findings.push({
        rule: 'parking',
        zoneId: this.zone.id,
        box: t.box,
        since: s.since,
        score: t.detection.score,
        detections: [t.detection],
        models: [TRACKER.id],
        thresholds: { dwellSeconds: this.zone.dwellSeconds, minScore: this.zone.minScore, stillTolerance: this.zone.stillTolerance },
        attributes: {
          trackId: t.id,
          vehicle: t.detection.className,
          stoppedAt: s.since,
          stoppedBox: s.box,
          standingSeconds: Math.round((now - s.since) / 1000),
          ...(plate ? { plate } : {}),
        },
      });
    }
    return findings;
  }

  /** When each vehicle standing in the zone stopped: the evidence's first moment, kept by the frame ring until the hit is filed. */
  keepMoments(): number[] {
    return [...this.standing.values()].map((s) => s.since);
  }
}

/** Of tracks on the same vehicle, the one standing longest, then the most confident. */
function oneTrackPerVehicle(tracks: Track[], standing: Map<number, Standing>): Track[] {
  return oneTrackPerObject([...tracks].sort((a, b) => standing.get(a.id)!.since - standing.get(b.id)!.since || b.detection.score - a.detection.score));
}
