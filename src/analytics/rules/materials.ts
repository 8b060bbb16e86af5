// 乱堆物料: something new put down in the zone and left there — building materials, boxes,
// sacks — seen by the background model that spillage uses (src/analytics/background.ts): a
// static foreground region that has persisted for `persistSeconds` and covers at least
// `minArea` of the zone. People and vehicles are masked out of the model, and a region under
// a person or vehicle now (a parked car the detector missed for a while, someone standing)
// is not a pile. One finding per region; the deduper keeps one hit per place.
import type { ZoneT } from '../../config/schema.ts';
import type { Box, Detection } from '../../inference/types.ts';
import { BACKGROUND_MODEL } from '../../inference/registry.ts';
import { ZoneBackground } from '../background.ts';
import type { Finding } from '../dedup.ts';
import { overlapSmaller } from '../geometry.ts';
import type { Rule, RuleContext } from './types.ts';

type NoPilingZone = Extract<ZoneT, { type: 'no-piling' }>;

/** Detector labels that are no pile, however long they stand. */
const NOT_MATERIALS: ReadonlySet<string> = new Set(['person', 'vehicle', 'truck']);
/** A region whose box lies this much (of the smaller box) under a person or vehicle is theirs. */
const OCCUPIED_OVERLAP = 0.3;

export class MaterialsRule implements Rule {
  readonly type = 'materials' as const;
  private background: ZoneBackground | undefined;

  constructor(readonly zone: NoPilingZone) {}

  async evaluate(ctx: RuleContext): Promise<Finding[]> {
    if (!ctx.image) return [];
    const { now } = ctx;
    this.background ??= new ZoneBackground(ctx.width, ctx.height, ctx.polygon);
    this.background.update(ctx.image, ctx.detections, now);
    // People and vehicles now, and tracks still held through a missed detection.
    const occupied = [...ctx.detections.filter((d) => NOT_MATERIALS.has(d.label)).map((d) => d.box), ...ctx.tracks.filter((t) => NOT_MATERIALS.has(t.label)).map((t) => t.box)];
    const piles = this.background
      .staticRegions(now, this.zone.persistSeconds * 1000, this.zone.minArea)
      .filter((r) => !occupied.some((b) => overlapSmaller(b, r.box) > OCCUPIED_OVERLAP));
    if (!ctx.enforced) return [];
    const zoneArea = this.background.zonePixels;
    return piles.map((r) => {
      // Just at the minimum size: 0.5; four times it or more: 1.
      const score = Math.min(1, 0.5 + (r.pixels / this.background!.minPixels(this.zone.minArea) - 1) / 6);
      return {
        rule: 'materials',
        zoneId: this.zone.id,
        box: r.box,
        since: r.onset,
        score,
        detections: [pileDetection(r.box, score)],
        models: [BACKGROUND_MODEL.id],
        thresholds: { persistSeconds: this.zone.persistSeconds, minArea: this.zone.minArea },
        attributes: { zoneFraction: Number((r.pixels / zoneArea).toFixed(2)) },
      } satisfies Finding;
    });
  }
}

/** The pile as a detection of the background model, so the evidence draws and names its box (堆放物料). */
function pileDetection(box: Box, score: number): Detection {
  return { box: box.map((v) => Math.round(v)) as Box, score, classId: -1, className: 'materials', label: 'other', modelId: BACKGROUND_MODEL.id };
}
