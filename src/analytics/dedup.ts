// Turns "this violation is going on now" findings into hit events: one open hit per place,
// updates while it continues, a cleared event when it stops, and a cooldown per
// camera + zone + rule + place so a flickering violation does not re-alert.
import { randomUUID } from 'node:crypto';
import type { RuleTypeT } from '../config/schema.ts';
import type { Box, Detection } from '../inference/types.ts';
import type { HitEventT } from './hit.ts';
import { iou, overlapSmaller } from './geometry.ts';

/** A violation the rule sees right now (its dwell or persistence already satisfied). */
export interface Finding {
  rule: RuleTypeT;
  zoneId: string;
  /** Where it is, in source pixels: the identity of the "place" for dedup and cooldown. */
  box: Box;
  /** When the violation began (e.g. when the cluster became stationary). */
  since: number;
  score: number;
  detections: Detection[];
  thresholds: Record<string, number | string | boolean>;
  attributes: Record<string, unknown>;
}

export interface OpenHit {
  hitId: string;
  seq: number;
  finding: Finding;
  openedAt: number;
  lastSeen: number;
  lastEmitted: number;
  embedding?: number[];
}

export interface DedupOptions {
  /** A hit not re-confirmed for this long is cleared. */
  clearAfterMs: number;
  /** At most one `updated` event per hit per interval (the open hit still tracks every sample). */
  updateIntervalMs: number;
  /** Same place: boxes overlapping at least this much (intersection over the smaller box). */
  samePlace: number;
}

export const DEFAULT_DEDUP: DedupOptions = { clearAfterMs: 15_000, updateIntervalMs: 30_000, samePlace: 0.5 };

export function samePlace(a: Box, b: Box, threshold: number): boolean {
  return overlapSmaller(a, b) >= threshold || iou(a, b) >= threshold;
}

export class HitDeduper {
  private open: OpenHit[] = [];
  private cleared: Array<{ rule: RuleTypeT; zoneId: string; box: Box; at: number }> = [];
  readonly opts: DedupOptions;

  constructor(
    private readonly cameraId: string,
    private readonly cooldownMsOf: (zoneId: string) => number,
    opts: Partial<DedupOptions> = {},
  ) {
    this.opts = { ...DEFAULT_DEDUP, ...opts };
  }

  openHits(): readonly OpenHit[] {
    return this.open;
  }

  /** The open hit this finding belongs to, if any. */
  match(f: Finding): OpenHit | undefined {
    return this.open.find((h) => h.finding.rule === f.rule && h.finding.zoneId === f.zoneId && samePlace(h.finding.box, f.box, this.opts.samePlace));
  }

  /** True while a cleared hit at the same place is inside its cooldown. */
  coolingDown(f: Finding, now: number): boolean {
    const cd = this.cooldownMsOf(f.zoneId);
    this.cleared = this.cleared.filter((c) => now - c.at < Math.max(cd, 1));
    return this.cleared.some((c) => c.rule === f.rule && c.zoneId === f.zoneId && samePlace(c.box, f.box, this.opts.samePlace) && now - c.at < cd);
  }

  /** Starts a cooldown at this place without a hit (e.g. suppressed by a verdict). */
  hold(f: Finding, now: number): void {
    this.cleared.push({ rule: f.rule, zoneId: f.zoneId, box: f.box, at: now });
  }

  openHit(f: Finding, now: number, embedding?: number[]): HitEventT {
    const h: OpenHit = { hitId: `${this.cameraId}:${f.rule}:${f.zoneId}:${randomUUID()}`, seq: 0, finding: f, openedAt: now, lastSeen: now, lastEmitted: now, embedding };
    this.open.push(h);
    return this.event(h, 'opened', now);
  }

  /** Refreshes an open hit; returns an `updated` event when one is due. */
  refresh(h: OpenHit, f: Finding, now: number): HitEventT | undefined {
    const scoreJump = Math.abs(f.score - h.finding.score) > 0.1;
    const newAttrs = JSON.stringify(f.attributes) !== JSON.stringify(h.finding.attributes);
    h.finding = { ...f, since: Math.min(f.since, h.finding.since) };
    h.lastSeen = now;
    if (now - h.lastEmitted >= this.opts.updateIntervalMs || scoreJump || newAttrs) {
      h.lastEmitted = now;
      return this.event(h, 'updated', now);
    }
    return undefined;
  }

  /** Clears hits not seen for `clearAfterMs` (or all of a zone when `zoneIds` says so). */
  expire(now: number, forceZones: Set<string> = new Set()): HitEventT[] {
    const out: HitEventT[] = [];
    this.open = this.open.filter((h) => {
      if (now - h.lastSeen < this.opts.clearAfterMs && !forceZones.has(h.finding.zoneId)) return true;
      this.cleared.push({ rule: h.finding.rule, zoneId: h.finding.zoneId, box: h.finding.box, at: now });
      out.push(this.event(h, 'cleared', now));
      return false;
    });
    return out;
  }

  private event(h: OpenHit, event: HitEventT['event'], now: number): HitEventT {
    const f = h.finding;
    return {
      hitId: h.hitId,
      event,
      seq: h.seq++,
      cameraId: this.cameraId,
      zoneId: f.zoneId,
      rule: f.rule,
      startedAt: f.since,
      at: now,
      score: Math.max(0, Math.min(1, f.score)),
      detections: f.detections.map((d) => ({ ...d, box: [...d.box] as Box, points: d.points?.map((p) => [p[0], p[1]] as [number, number]) })),
      thresholds: f.thresholds,
      attributes: { ...f.attributes, box: f.box, lastSeenAt: h.lastSeen },
      embedding: h.embedding,
    };
  }
}
