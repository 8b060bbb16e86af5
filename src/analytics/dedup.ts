// Turns "this violation is going on now" findings into hit events: one open hit per place,
// updates while it continues, a cleared event when it stops, and a cooldown per
// camera + zone + rule + place so a flickering violation does not re-alert.
import { randomUUID } from 'node:crypto';
import type { RuleTypeT } from '../config/schema.ts';
import type { Box, Detection } from '../inference/types.ts';
import type { CropCheckT, HitEventT } from '../contracts/hit.ts';
import type { RuleAttributes } from '../contracts/attributes.ts';
import { iou, overlapSmaller } from './geometry.ts';

/** A violation the rule sees right now (its dwell or persistence already satisfied), with its rule's typed attributes. */
export type Finding = FindingBase & RuleAttributes;

export interface FindingBase {
  zoneId: string;
  /** Where it is, in source pixels: the identity of the "place" for dedup and cooldown. */
  box: Box;
  /** When the violation began (e.g. when the cluster became stationary). */
  since: number;
  score: number;
  detections: Detection[];
  /** Contributors beyond the detections' own models (tracker, background model, OCR reader): ids in src/inference/registry.ts. */
  models: string[];
  thresholds: Record<string, number | string | boolean>;
  /** Source frame size (set by the engine): with `box` it is the hit's place. */
  frameSize?: [number, number];
  /** Score added by similar confirmed verdicts (set by the engine). */
  verdictBoost?: number;
  /** Crop checks of the tracks the finding names (set by the engine). */
  verification?: CropCheckT[];
}

export interface OpenHit {
  hitId: string;
  /** The seq of the hit's next event. */
  seq: number;
  finding: Finding;
  openedAt: number;
  lastSeen: number;
  lastEmitted: number;
  embedding?: number[];
  /** Restored after a restart: not cleared before this time, so the rule can see it again (its dwell starts over). */
  graceUntil?: number;
  /** Warn-first zones: the violation was seen at or after the end of its correction period (its `updated` event with a frame went out). */
  persisted?: boolean;
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

  /**
   * @param correctionMsOf a warn-first zone's correction period (ms from opening), undefined for
   *   other zones: its hits send the scene with the first sight after that period and when cleared.
   */
  constructor(
    private readonly cameraId: string,
    private readonly cooldownMsOf: (zoneId: string) => number,
    opts: Partial<DedupOptions> = {},
    private readonly correctionMsOf: (zoneId: string) => number | undefined = () => undefined,
  ) {
    this.opts = { ...DEFAULT_DEDUP, ...opts };
  }

  openHits(): readonly OpenHit[] {
    return this.open;
  }

  /** Open hits as plain data, for HitStateStore. */
  snapshot(): OpenHit[] {
    return structuredClone(this.open);
  }

  /**
   * Takes back hits that were open when the process stopped: the same violation seen again
   * continues as the same hit (same id, next seq); one not seen again by `graceUntil` is
   * cleared with an event.
   */
  restore(hits: OpenHit[], graceUntil: number): void {
    for (const h of hits) {
      if (this.open.some((o) => o.hitId === h.hitId)) continue;
      this.open.push({ ...structuredClone(h), graceUntil: Math.max(graceUntil, h.lastSeen + this.opts.clearAfterMs) });
    }
  }

  /**
   * The open-hit state an `opened` event leaves behind (its next seq is `ev.seq + 1`): what the
   * hit outbox adopts when it recovers a new hit whose camera was killed before saving its open
   * hits, so the restarted detector continues that hit instead of raising a second one.
   */
  static openHitOf(ev: HitEventT): OpenHit {
    const finding = {
      zoneId: ev.zoneId, box: [...ev.place.box] as Box, since: ev.startedAt, score: ev.score,
      detections: structuredClone(ev.detections) as Detection[], models: [...ev.models], thresholds: { ...ev.thresholds },
      frameSize: [...ev.place.frameSize] as [number, number],
      ...(ev.verdictBoost !== undefined ? { verdictBoost: ev.verdictBoost } : {}),
      ...(ev.verification ? { verification: structuredClone(ev.verification) } : {}),
      rule: ev.rule, attributes: structuredClone(ev.attributes),
    } as Finding;
    return { hitId: ev.hitId, seq: ev.seq + 1, finding, openedAt: ev.at, lastSeen: ev.lastSeenAt, lastEmitted: ev.at, ...(ev.embedding ? { embedding: [...ev.embedding] } : {}) };
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
    h.graceUntil = undefined;
    const correction = this.correctionMsOf(f.zoneId);
    if (correction !== undefined && !h.persisted && now - h.openedAt >= correction) {
      // Still there when the time to correct is up: the frame of this moment is the "after" evidence.
      h.persisted = true;
      h.lastEmitted = now;
      return this.event(h, 'updated', now, true);
    }
    if (now - h.lastEmitted >= this.opts.updateIntervalMs || scoreJump || newAttrs) {
      h.lastEmitted = now;
      return this.event(h, 'updated', now);
    }
    return undefined;
  }

  /**
   * Warn-first zones, camera silent: open hits whose correction period ended at least
   * `silenceMs` ago while no sample of the camera was analysed since that end
   * (`lastSampleAt` before it). Each gets one `updated` event marked `evidenceDue` and
   * `cameraSilent` (the pipeline attaches the newest frame of its ring: the last picture
   * before the silence); it counts as `persisted`, so it goes once, also across a restart.
   */
  silent(now: number, lastSampleAt: number, silenceMs: number): HitEventT[] {
    const out: HitEventT[] = [];
    for (const h of this.open) {
      const correction = this.correctionMsOf(h.finding.zoneId);
      if (correction === undefined || h.persisted) continue;
      const end = h.openedAt + correction;
      if (lastSampleAt >= end || now < end + silenceMs) continue;
      h.persisted = true;
      h.lastEmitted = now;
      out.push({ ...this.event(h, 'updated', now, true), cameraSilent: true });
    }
    return out;
  }

  /** Clears hits not seen for `clearAfterMs` (or all of a zone when `zoneIds` says so). */
  expire(now: number, forceZones: Set<string> = new Set()): HitEventT[] {
    const out: HitEventT[] = [];
    this.open = this.open.filter((h) => {
      const waiting = now - h.lastSeen < this.opts.clearAfterMs || (h.graceUntil !== undefined && now < h.graceUntil);
      if (waiting && !forceZones.has(h.finding.zoneId)) return true;
      this.cleared.push({ rule: h.finding.rule, zoneId: h.finding.zoneId, box: h.finding.box, at: now });
      out.push(this.event(h, 'cleared', now, this.correctionMsOf(h.finding.zoneId) !== undefined));
      return false;
    });
    return out;
  }

  private event(h: OpenHit, event: HitEventT['event'], now: number, evidenceDue = false): HitEventT {
    const f = h.finding;
    // A finding's rule and attributes always agree (Finding is the same union); TS cannot
    // correlate two reads of one union, hence the cast.
    const typed = { rule: f.rule, attributes: structuredClone(f.attributes) } as RuleAttributes;
    return {
      hitId: h.hitId,
      event,
      seq: h.seq++,
      cameraId: this.cameraId,
      zoneId: f.zoneId,
      ...typed,
      startedAt: f.since,
      at: now,
      lastSeenAt: h.lastSeen,
      score: Math.max(0, Math.min(1, f.score)),
      place: { box: [...f.box] as Box, frameSize: f.frameSize ?? [1, 1] },
      detections: f.detections.map((d) => ({ ...d, box: [...d.box] as Box, points: d.points?.map((p) => [p[0], p[1]] as [number, number]) })),
      models: [...f.models],
      thresholds: f.thresholds,
      ...(f.verdictBoost !== undefined ? { verdictBoost: f.verdictBoost } : {}),
      ...(f.verification ? { verification: structuredClone(f.verification) } : {}),
      embedding: h.embedding,
      ...(evidenceDue ? { evidenceDue } : {}),
    };
  }
}
