// 渣土车遗撒: a truck track passes through the road zone; afterwards new static foreground
// regions appear on the road along its path and persist for persistSeconds. The hit links
// the truck's best frame (largest, most confident box) and, with a plate reader, the plate
// voted over the frames of the truck's track.
import type { ZoneT } from '../../config/schema.ts';
import type { Box, Detection } from '../../inference/types.ts';
import { BACKGROUND_MODEL, TRACKER } from '../../inference/registry.ts';
import { ZoneBackground, type StaticRegion } from '../background.ts';
import type { Finding } from '../dedup.ts';
import { TrackPlate, type VehiclePlateReader } from './plate-sampler.ts';
import { area, bottomCentre, expand, overlapSmaller, pointInPolygon, union } from '../geometry.ts';
import type { Rule, RuleContext } from './types.ts';

type RoadZone = Extract<ZoneT, { type: 'road' }>;

interface Passage {
  trackId: number;
  start: number;
  end: number;
  /** The truck's boxes (source pixels): its path. */
  path: Box[];
  best: { at: number; box: Box; score: number; quality: number; detection: Detection };
  plate: TrackPlate;
}

export class SpillageRule implements Rule {
  readonly type = 'spillage' as const;
  private background: ZoneBackground | undefined;
  private passages = new Map<number, Passage>();
  /** How long after a truck passed debris may still be blamed on it. */
  private readonly linkMs = 120_000;

  constructor(
    readonly zone: RoadZone,
    private readonly plates?: VehiclePlateReader,
  ) {}

  async evaluate(ctx: RuleContext): Promise<Finding[]> {
    if (!ctx.image) return [];
    const { now } = ctx;
    this.background ??= new ZoneBackground(ctx.width, ctx.height, ctx.polygon);
    for (const t of ctx.tracks) {
      if (t.label !== 'truck' || !pointInPolygon(bottomCentre(t.confidentBox), ctx.polygon)) continue;
      let p = this.passages.get(t.id);
      if (!p) {
        p = { trackId: t.id, start: now, end: now, path: [], best: { at: now, box: t.box, score: t.detection.score, quality: 0, detection: t.detection }, plate: new TrackPlate() };
        this.passages.set(t.id, p);
      }
      p.end = now;
      p.path.push(t.box);
      const quality = area(t.box) * t.detection.score;
      if (quality > p.best.quality) p.best = { at: now, box: t.box, score: t.detection.score, quality, detection: t.detection };
      await p.plate.sample(this.plates, now, ctx.image, ctx.imageScale, t.detection.box);
    }
    for (const [id, p] of this.passages) if (now - p.end > this.linkMs) this.passages.delete(id);

    // Vehicles and people hide the road: neither judge nor learn under them.
    this.background.update(ctx.image, ctx.detections, now);

    const persistMs = this.zone.persistSeconds * 1000;
    // All debris blamed on one truck passage is one spill: one finding, the union of its regions.
    const byPassage = new Map<Passage, StaticRegion[]>();
    for (const r of this.background.staticRegions(now, persistMs, this.zone.minDebrisArea)) {
      const p = [...this.passages.values()].find(
        (q) => r.onset >= q.start - 2_000 && r.onset <= q.end + this.linkMs && q.path.some((b) => overlapSmaller(expand(b, 0.15), r.box) > 0.3),
      );
      if (p) byPassage.set(p, [...(byPassage.get(p) ?? []), r]);
    }
    const findings: Finding[] = [];
    if (!ctx.enforced) return findings;
    for (const [p, regions] of byPassage) {
      const u = union(regions.map((r) => r.box));
      const pixels = regions.reduce((s, r) => s + r.pixels, 0);
      findings.push({
        rule: 'spillage',
        zoneId: this.zone.id,
        box: u,
        since: Math.min(...regions.map((r) => r.onset)),
        score: Math.min(1, 0.5 + pixels / this.background.minPixels(this.zone.minDebrisArea) / 40),
        // The truck as the detector saw it in its best frame; the debris comes from the background model.
        detections: [{ ...p.best.detection, box: p.best.box, score: p.best.score }],
        models: [TRACKER.id, BACKGROUND_MODEL.id],
        thresholds: { persistSeconds: this.zone.persistSeconds, minDebrisArea: this.zone.minDebrisArea },
        attributes: {
          truckTrackId: p.trackId,
          truckBestFrameAt: p.best.at,
          truckBox: p.best.box,
          truckPassedAt: [p.start, p.end],
          debrisRegions: regions.length,
          debrisPixels: pixels,
          ...(p.plate.vote.result() ? { plate: p.plate.vote.result() } : {}),
        },
      });
    }
    return findings;
  }
}
