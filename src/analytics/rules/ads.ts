// 违规广告 / 非法小广告: inside a protected-surface zone, PP-OCR text regions that are not
// registered signage (the zone baseline) and persist for persistSeconds. Nearby lines are
// grouped into one poster; each line is read once, and phone numbers are extracted.
import type { ZoneT } from '../../config/schema.ts';
import type { BgrImage } from '../../ingest/types.ts';
import type { Box, Detection } from '../../inference/types.ts';
import type { Finding } from '../dedup.ts';
import { centre, iou, overlapSmaller, pointInPolygon, union } from '../geometry.ts';
import { readPhoneNumbers, type OcrLine } from '../reading/phone-numbers.ts';
import type { Rule, RuleContext } from './types.ts';

type SurfaceZone = Extract<ZoneT, { type: 'protected-surface' }>;

/** Reads the text inside a box (image pixels); TextRecognizer from src/inference fits. */
export interface TextReader {
  /** Registry id of the recogniser, recorded as a contributor of the hits it read. */
  readonly modelId?: string;
  recognize(image: BgrImage, box: Box, points?: ReadonlyArray<readonly [number, number]>): Promise<{ text: string; score: number }>;
}

interface Site {
  box: Box;
  since: number;
  lastSeen: number;
  lines: Detection[];
  texts?: OcrLine[];
}

export class AdsRule implements Rule {
  readonly type = 'ads' as const;
  private sites: Site[] = [];
  private readonly gapMs = 30_000;

  constructor(
    readonly zone: SurfaceZone,
    private readonly reader?: TextReader,
  ) {}

  async evaluate(ctx: RuleContext): Promise<Finding[]> {
    const { now, width, height } = ctx;
    const baseline = this.zone.baseline.map((b) => [b.box[0] * width, b.box[1] * height, b.box[2] * width, b.box[3] * height] as Box);
    const lines = ctx.detections.filter(
      (d) =>
        d.label === 'text' &&
        d.score >= this.zone.minTextScore &&
        pointInPolygon(centre(d.box), ctx.polygon) &&
        !baseline.some((b) => overlapSmaller(b, d.box) >= 0.5),
    );
    const findings: Finding[] = [];
    for (const group of groupLines(lines)) {
      const box = union(group.map((d) => d.box));
      let site = this.sites.find((s) => iou(s.box, box) >= 0.3 || overlapSmaller(s.box, box) >= 0.7);
      if (!site) {
        site = { box, since: now, lastSeen: now, lines: group };
        this.sites.push(site);
      }
      site.lastSeen = now;
      site.box = box;
      site.lines = group;
      if (!ctx.enforced || now - site.since < this.zone.persistSeconds * 1000) continue;
      if (!site.texts && this.reader && ctx.image) site.texts = await this.read(ctx.image, ctx.imageScale, group);
      const texts = site.texts ?? [];
      // Each line is parsed on its own (joining them let digits run on across lines).
      const phones = readPhoneNumbers(texts, { areaCode: ctx.camera.location.areaCode });
      findings.push({
        rule: 'ads',
        zoneId: this.zone.id,
        box,
        since: site.since,
        score: group.reduce((s, d) => s + d.score, 0) / group.length,
        detections: group,
        models: site.texts && this.reader?.modelId ? [this.reader.modelId] : [],
        thresholds: { persistSeconds: this.zone.persistSeconds, minTextScore: this.zone.minTextScore, baselineBoxes: baseline.length },
        attributes: { texts: texts.map((t) => t.text), phoneNumbers: phones.map((p) => p.number), phones, lines: group.length },
      });
    }
    this.sites = this.sites.filter((s) => now - s.lastSeen <= this.gapMs);
    return findings;
  }

  private async read(image: BgrImage, scale: number, group: Detection[]): Promise<OcrLine[]> {
    const out: OcrLine[] = [];
    // Top to bottom, as a poster is read.
    for (const d of [...group].sort((a, b) => a.box[1] - b.box[1])) {
      const box = d.box.map((v) => v * scale) as Box;
      const pts = d.points?.map(([x, y]) => [x * scale, y * scale] as [number, number]);
      const r = await this.reader!.recognize(image, box, pts);
      if (r.text.trim()) out.push({ text: r.text.trim(), score: r.score, box: [...d.box] as Box });
    }
    return out;
  }
}

/** Lines of one poster: boxes that touch once grown by 60% of their height. */
export function groupLines(lines: Detection[]): Detection[][] {
  const grow = (d: Detection): Box => {
    const h = (d.box[3] - d.box[1]) * 0.6;
    return [d.box[0] - h, d.box[1] - h, d.box[2] + h, d.box[3] + h];
  };
  const groups: Detection[][] = [];
  const seen = new Set<Detection>();
  for (const l of lines) {
    if (seen.has(l)) continue;
    const g = [l];
    seen.add(l);
    for (let i = 0; i < g.length; i++) {
      for (const m of lines) if (!seen.has(m) && iou(grow(g[i]!), grow(m)) > 0) (seen.add(m), g.push(m));
    }
    groups.push(g);
  }
  return groups;
}

