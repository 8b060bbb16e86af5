// One AnalyticsEngine per camera: detections of each sample → tracks → per-zone rules →
// deduplicated hit events (opened / updated / cleared), filtered by officers' past verdicts.
import type { CameraConfig, RuleTypeT, ZoneT } from '../config/schema.ts';
import type { BgrImage } from '../ingest/types.ts';
import type { Box, Detection } from '../inference/types.ts';
import { HitDeduper, type DedupOptions, type Finding, type OpenHit } from './dedup.ts';
import { area, centre, pointInPolygon, toPixels, type Pt } from './geometry.ts';
import type { HitEventT } from '../contracts/hit.ts';
import { DEFAULT_TIME_ZONE, isEnforced } from './schedule.ts';
import { Tracker, type TrackerOptions } from './tracker.ts';
import { createRule, type RuleDeps } from './rules/index.ts';
import type { Rule } from './rules/types.ts';
import type { CropVerifier } from './verifier/verifier.ts';

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
  /** Second-stage crop check: vetoed tracks do not arm the rules their check names. */
  verifier?: CropVerifier;
}

export interface EngineStats {
  samples: number;
  opened: number;
  suppressedByVerdict: number;
  suppressedByCooldown: number;
}

export class AnalyticsEngine {
  readonly tracker: Tracker;
  readonly deduper: HitDeduper;
  private rules: Rule[];
  private cooldowns = new Map<string, number>();
  /** Warn-first zones' correction periods (ms). */
  private corrections = new Map<string, number>();
  /** Hits of zones that a reconfigure removed: cleared with the next sample's events. */
  private pendingClears: HitEventT[] = [];
  private readonly timeZone: string;
  readonly stats: EngineStats = { samples: 0, opened: 0, suppressedByVerdict: 0, suppressedByCooldown: 0 };

  constructor(
    public camera: CameraConfig,
    private opts: EngineOptions = {},
  ) {
    this.timeZone = opts.timeZone ?? DEFAULT_TIME_ZONE;
    const vending = camera.zones.find((z) => z.type === 'no-vending');
    this.tracker = new Tracker({ jitterTolerance: vending?.jitterTolerance, ...opts.tracker });
    this.deduper = new HitDeduper(camera.id, (zoneId) => this.cooldowns.get(zoneId) ?? 0, opts.dedup, (zoneId) => this.corrections.get(zoneId));
    this.rules = [];
    this.reconfigure(camera);
  }

  /**
   * Takes a new config of the same camera without losing what is going on: rules of zones
   * whose definition is unchanged keep their state (dwell timers, sites), the tracker and the
   * open hits stay, so a reload (even of the camera's display name) never opens a second hit
   * for the same violation. Hits of zones that are gone or no longer enforced by a rule are
   * cleared with the next sample.
   */
  reconfigure(camera: CameraConfig, now = Date.now(), opts?: EngineOptions): void {
    if (camera.id !== this.camera.id) throw new Error(`AnalyticsEngine.reconfigure: camera ${camera.id} is not ${this.camera.id}`);
    this.camera = camera;
    // New models (e.g. the overflow classifier for a bin-point zone just added) serve the rules created from here on.
    if (opts) this.opts = { ...this.opts, ...opts };
    this.cooldowns = new Map(camera.zones.map((z) => [z.id, z.cooldownSeconds * 1000]));
    this.corrections = new Map(camera.zones.flatMap((z) => (z.warnFirst ? [[z.id, z.warnFirst.graceSeconds * 1000] as const] : [])));
    const enabled = (z: ZoneT): boolean => camera.rules.length === 0 || camera.rules.includes(ruleOf(z));
    const old = new Map(this.rules.map((r) => [r.zone.id, r]));
    this.rules = camera.zones.filter(enabled).map((z) => {
      const prev = old.get(z.id);
      return prev && JSON.stringify(prev.zone) === JSON.stringify(z) ? prev : createRule(z, this.opts);
    });
    const kept = new Set(this.rules.map((r) => `${r.zone.id}/${r.type}`));
    const gone = new Set(this.deduper.openHits().filter((h) => !kept.has(`${h.finding.zoneId}/${h.finding.rule}`)).map((h) => h.finding.zoneId));
    if (gone.size > 0) this.pendingClears.push(...this.deduper.expire(now, gone));
  }

  /**
   * Hits that were open when this camera's previous engine stopped (a restart): each waits
   * for its zone's dwell or persistence plus the clearing delay to be seen again, so the same
   * violation continues as the same hit; hits of zones that are gone are cleared at once.
   */
  restore(hits: OpenHit[], now: number): void {
    const wait = new Map(this.camera.zones.map((z) => [z.id, waitSecondsOf(z) * 1000]));
    for (const h of hits) this.deduper.restore([h], now + (wait.get(h.finding.zoneId) ?? 0) + this.deduper.opts.clearAfterMs);
    this.reconfigure(this.camera, now);
  }

  /** Sample times whose frames the rules' coming hits will need as evidence (FrameRingBuffer.keep). */
  keepMoments(): number[] {
    return this.rules.flatMap((r) => r.keepMoments?.() ?? []);
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
    const verifier = this.opts.verifier;
    if (verifier && sample.image) await verifier.review(tracks, sample.image, imageScale, now);

    const events: HitEventT[] = [];
    const offHours = new Set<string>();
    for (const rule of this.rules) {
      const zone = rule.zone;
      const enforced = isEnforced(zone.schedule, now, this.timeZone);
      if (!enforced) offHours.add(zone.id);
      const frameArea = width * height;
      const sized = tracks.filter((t) => {
        const a = area(t.box) / frameArea;
        return a >= zone.size.minBoxArea && a <= zone.size.maxBoxArea && !verifier?.vetoed(t.id, rule.type);
      });
      const polygon: Pt[] = toPixels(zone.polygon, width, height);
      const findings = await rule.evaluate({ camera: this.camera, now, width, height, polygon, tracks: sized, detections, image: sample.image, imageScale, enforced });
      for (const f of findings) {
        const ev = await this.consider(f, now, sample, width, height, imageScale);
        if (ev) events.push(ev);
      }
    }
    events.push(...this.deduper.expire(now, offHours));
    if (this.pendingClears.length > 0) events.unshift(...this.pendingClears.splice(0));
    return events;
  }

  private async consider(f: Finding, now: number, sample: Sample, width: number, height: number, imageScale: number): Promise<HitEventT | undefined> {
    // The frame size lets later stages (verdict store, evidence) normalise the hit's box.
    f = { ...f, frameSize: [width, height], ...this.verification(f) };
    const open = this.deduper.match(f);
    if (open) {
      const boost = open.finding.verdictBoost;
      return this.deduper.refresh(open, { ...f, score: Math.min(1, f.score + (boost ?? 0)), verdictBoost: boost }, now);
    }
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
      if (v.boost > 0) f = { ...f, score: Math.min(1, f.score + v.boost), verdictBoost: v.boost };
    }
    this.stats.opened++;
    return this.deduper.openHit(f, now, embedding);
  }

  /** The crop checks of the tracks a finding names (vending `trackIds`, spillage `truckTrackId`, parking `trackId`); the classifier joins the hit's models. */
  private verification(f: Finding): Pick<Finding, 'verification' | 'models'> | Record<string, never> {
    const verifier = this.opts.verifier;
    if (!verifier) return {};
    const ids = f.rule === 'vending' ? f.attributes.trackIds : f.rule === 'spillage' ? [f.attributes.truckTrackId] : f.rule === 'parking' ? [f.attributes.trackId] : [];
    const v = verifier.verdicts(ids);
    return v.length ? { verification: v, models: [...new Set([...f.models, ...v.map((x) => x.model)])] } : {};
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
    case 'no-parking':
      return 'parking';
    case 'crowd':
      return 'crowding';
    case 'no-bicycle-parking':
      return 'bicycles';
    case 'no-piling':
      return 'materials';
    case 'shop-frontage':
      return 'outside_shop';
  }
}

/** Seconds a zone's violation must last before its rule reports it (dwell, persistence, duration). */
function waitSecondsOf(z: ZoneT): number {
  return 'dwellSeconds' in z ? z.dwellSeconds : 'persistSeconds' in z ? z.persistSeconds : z.durationSeconds;
}
