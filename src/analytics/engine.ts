// One AnalyticsEngine per camera: detections of each sample → tracks → per-zone rules →
// deduplicated hit events (opened / updated / cleared), filtered by officers' past verdicts.
import type { CameraConfig, RuleTypeT, ZoneT } from '../config/schema.ts';
import type { BgrImage } from '../ingest/types.ts';
import type { Box, Detection } from '../inference/types.ts';
import { HitDeduper, type DedupOptions, type Finding } from './dedup.ts';
import { area, centre, pointInPolygon, toPixels, type Pt } from './geometry.ts';
import type { HitEventT } from './hit.ts';
import { DEFAULT_TIME_ZONE, isEnforced } from './schedule.ts';
import { Tracker, type TrackerOptions } from './tracker.ts';
import { createRule, type RuleDeps } from './rules/index.ts';
import type { Rule } from './rules/types.ts';

export interface Sample {
  /** ms since epoch (capture time). */
  frameTime: number;
  /** In full-resolution source pixels. */
  detections: Detection[];
  /** The sampled picture (may be scaled down from the source). */
  image?: BgrImage;
  /** Source size; defaults to the image size. */
  sourceWidth?: number;
  sourceHeight?: number;
}

/** Appearance embedding of a hit's region, for learning from verdicts. */
export interface Embedder {
  embed(image: BgrImage, box: Box): Promise<number[]>;
}

/** Decides, from officers' past verdicts, whether a new hit is worth raising. */
export interface VerdictFilter {
  check(q: { cameraId: string; zoneId: string; rule: RuleTypeT; box: Box; width: number; height: number; embedding?: number[] }): Promise<{
    suppress: boolean;
    /** Added to the score (confirmations of similar hits here strengthen it). */
    boost: number;
    reason?: string;
  }>;
}

export interface EngineOptions extends RuleDeps {
  timeZone?: string;
  tracker?: Partial<TrackerOptions>;
  dedup?: Partial<DedupOptions>;
  embedder?: Embedder;
  verdicts?: VerdictFilter;
}

export interface EngineStats {
  samples: number;
  opened: number;
  suppressedByVerdict: number;
  suppressedByCooldown: number;
}

export class AnalyticsEngine {
  readonly tracker: Tracker;
  private readonly deduper: HitDeduper;
  private readonly rules: Rule[];
  private readonly timeZone: string;
  readonly stats: EngineStats = { samples: 0, opened: 0, suppressedByVerdict: 0, suppressedByCooldown: 0 };

  constructor(
    readonly camera: CameraConfig,
    private readonly opts: EngineOptions = {},
  ) {
    this.timeZone = opts.timeZone ?? DEFAULT_TIME_ZONE;
    const vending = camera.zones.find((z) => z.type === 'no-vending');
    this.tracker = new Tracker({ jitterTolerance: vending?.jitterTolerance, ...opts.tracker });
    const cooldowns = new Map(camera.zones.map((z) => [z.id, z.cooldownSeconds * 1000]));
    this.deduper = new HitDeduper(camera.id, (zoneId) => cooldowns.get(zoneId) ?? 0, opts.dedup);
    const enabled = (z: ZoneT): boolean => camera.rules.length === 0 || camera.rules.includes(ruleOf(z));
    this.rules = camera.zones.filter(enabled).map((z) => createRule(z, opts));
  }

  async process(sample: Sample): Promise<HitEventT[]> {
    const now = sample.frameTime;
    const width = sample.sourceWidth ?? sample.image?.width;
    const height = sample.sourceHeight ?? sample.image?.height;
    if (!width || !height) throw new Error('AnalyticsEngine.process: give sourceWidth/sourceHeight or an image');
    this.stats.samples++;
    const masks = this.camera.masks.map((m) => toPixels(m, width, height));
    const detections = sample.detections.filter((d) => !masks.some((m) => pointInPolygon(centre(d.box), m)));
    const tracks = this.tracker.update(detections.filter((d) => d.label !== 'text'), now);
    const imageScale = sample.image ? sample.image.width / width : 1;

    const events: HitEventT[] = [];
    const offHours = new Set<string>();
    for (const rule of this.rules) {
      const zone = rule.zone;
      const enforced = isEnforced(zone.schedule, now, this.timeZone);
      if (!enforced) offHours.add(zone.id);
      const frameArea = width * height;
      const sized = tracks.filter((t) => {
        const a = area(t.box) / frameArea;
        return a >= zone.size.minBoxArea && a <= zone.size.maxBoxArea;
      });
      const polygon: Pt[] = toPixels(zone.polygon, width, height);
      const findings = await rule.evaluate({ camera: this.camera, now, width, height, polygon, tracks: sized, detections, image: sample.image, imageScale, enforced });
      for (const f of findings) {
        const ev = await this.consider(f, now, sample, width, height, imageScale);
        if (ev) events.push(ev);
      }
    }
    events.push(...this.deduper.expire(now, offHours));
    return events;
  }

  private async consider(f: Finding, now: number, sample: Sample, width: number, height: number, imageScale: number): Promise<HitEventT | undefined> {
    // The frame size lets later stages (verdict store, evidence) normalise the hit's box.
    f = { ...f, attributes: { ...f.attributes, frameSize: [width, height] } };
    const open = this.deduper.match(f);
    if (open) return this.deduper.refresh(open, { ...f, score: Math.min(1, f.score + ((open.finding.attributes.verdictBoost as number) ?? 0)), attributes: { ...f.attributes, verdictBoost: open.finding.attributes.verdictBoost } }, now);
    if (this.deduper.coolingDown(f, now)) {
      this.stats.suppressedByCooldown++;
      return undefined;
    }
    let embedding: number[] | undefined;
    if (this.opts.embedder && sample.image) {
      const b = f.box.map((v) => v * imageScale) as Box;
      embedding = await this.opts.embedder.embed(sample.image, b);
    }
    if (this.opts.verdicts) {
      const v = await this.opts.verdicts.check({ cameraId: this.camera.id, zoneId: f.zoneId, rule: f.rule, box: f.box, width, height, embedding });
      if (v.suppress) {
        this.stats.suppressedByVerdict++;
        // Treat the place as cooling down so a rejected look-alike is not re-embedded every sample.
        this.deduper.hold(f, now);
        return undefined;
      }
      if (v.boost > 0) f = { ...f, score: Math.min(1, f.score + v.boost), attributes: { ...f.attributes, verdictBoost: v.boost } };
    }
    this.stats.opened++;
    return this.deduper.openHit(f, now, embedding);
  }
}

export function ruleOf(z: ZoneT): RuleTypeT {
  switch (z.type) {
    case 'no-vending':
      return 'vending';
    case 'bin-point':
      return 'overflow';
    case 'protected-surface':
      return 'ads';
    case 'road':
      return 'spillage';
  }
}
