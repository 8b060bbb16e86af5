// 渣土车遗撒: a truck track passes through the road zone; afterwards new static foreground
// regions appear on the road along its path and persist for persistSeconds. The hit links
// the truck's best frame (largest, most confident box) for plate reading.
import type { ZoneT } from '../../config/schema.ts';
import type { Box } from '../../inference/types.ts';
import { BackgroundModel } from '../background.ts';
import type { Finding } from '../dedup.ts';
import { area, bottomCentre, expand, overlapSmaller, pointInPolygon, rasterize, union, type Pt } from '../geometry.ts';
import type { Rule, RuleContext } from './types.ts';

type RoadZone = Extract<ZoneT, { type: 'road' }>;

interface Passage {
  trackId: number;
  start: number;
  end: number;
  /** Union of the truck's boxes on the analysis grid: its path. */
  path: Box[];
  best: { at: number; box: Box; score: number; quality: number };
}

export class SpillageRule implements Rule {
  readonly type = 'spillage' as const;
  private bgm: BackgroundModel | undefined;
  private mask: Uint8Array | undefined;
  private zonePixels = 0;
  private passages = new Map<number, Passage>();
  /** How long after a truck passed debris may still be blamed on it. */
  private readonly linkMs = 120_000;

  constructor(readonly zone: RoadZone) {}

  async evaluate(ctx: RuleContext): Promise<Finding[]> {
    if (!ctx.image) return [];
    const { now, width } = ctx;
    if (!this.bgm) {
      this.bgm = new BackgroundModel(ctx.width, ctx.height);
      const k = this.bgm.w / width;
      this.mask = rasterize(ctx.polygon.map(([x, y]) => [x * k, y * k] as Pt), this.bgm.w, this.bgm.h);
      this.zonePixels = this.mask.reduce((s, v) => s + v, 0);
    }
    const bgm = this.bgm;
    for (const t of ctx.tracks) {
      if (t.label !== 'truck' || !pointInPolygon(bottomCentre(t.confidentBox), ctx.polygon)) continue;
      const grid = bgm.toGrid(t.box, width);
      let p = this.passages.get(t.id);
      if (!p) {
        p = { trackId: t.id, start: now, end: now, path: [], best: { at: now, box: t.box, score: t.detection.score, quality: 0 } };
        this.passages.set(t.id, p);
      }
      p.end = now;
      p.path.push(grid);
      const quality = area(t.box) * t.detection.score;
      if (quality > p.best.quality) p.best = { at: now, box: t.box, score: t.detection.score, quality };
    }
    for (const [id, p] of this.passages) if (now - p.end > this.linkMs) this.passages.delete(id);

    // Vehicles and people hide the road: neither judge nor learn under them.
    const occluders = ctx.detections
      .filter((d) => d.label === 'truck' || d.label === 'vehicle' || d.label === 'person')
      .map((d) => expand(bgm.toGrid(d.box, width), 0.1));
    bgm.update(ctx.image, occluders, now);

    const minPixels = Math.max(2, this.zone.minDebrisArea * this.zonePixels);
    const persistMs = this.zone.persistSeconds * 1000;
    // All debris blamed on one truck passage is one spill: one finding, the union of its regions.
    const byPassage = new Map<Passage, Array<{ box: Box; pixels: number; onset: number }>>();
    for (const r of bgm.staticRegions(now, persistMs, this.mask!, minPixels)) {
      const p = [...this.passages.values()].find(
        (q) => r.onset >= q.start - 2_000 && r.onset <= q.end + this.linkMs && q.path.some((b) => overlapSmaller(expand(b, 0.15), r.box) > 0.3),
      );
      if (p) byPassage.set(p, [...(byPassage.get(p) ?? []), r]);
    }
    const findings: Finding[] = [];
    if (!ctx.enforced) return findings;
    const k = width / bgm.w;
    for (const [p, regions] of byPassage) {
      const u = union(regions.map((r) => r.box));
      const pixels = regions.reduce((s, r) => s + r.pixels, 0);
      findings.push({
        rule: 'spillage',
        zoneId: this.zone.id,
        box: [u[0] * k, u[1] * k, u[2] * k, u[3] * k],
        since: Math.min(...regions.map((r) => r.onset)),
        score: Math.min(1, 0.5 + pixels / minPixels / 40),
        detections: [{ box: p.best.box, score: p.best.score, classId: 7, className: 'truck', label: 'truck', modelId: 'tracker' }],
        thresholds: { persistSeconds: this.zone.persistSeconds, minDebrisArea: this.zone.minDebrisArea },
        attributes: {
          truckTrackId: p.trackId,
          truckBestFrameAt: p.best.at,
          truckBox: p.best.box,
          truckPassedAt: [p.start, p.end],
          debrisRegions: regions.length,
          debrisPixels: pixels,
        },
      });
    }
    return findings;
  }
}
