// ByteTrack-style multi-object tracker: constant-velocity prediction, association in two
// stages (confident boxes first, then low-score boxes only to keep existing tracks alive),
// and stationarity with a jitter tolerance. Time-based (ms), so any sampling rate works.
import type { Box, Detection } from '../inference/types.ts';
import { centre, diagonal, iou, overlapSmaller } from './geometry.ts';

export interface TrackerOptions {
  highScore: number;
  lowScore: number;
  matchIou: number;
  lowMatchIou: number;
  /** Matched samples before a track counts as real. */
  minHits: number;
  /** A track not seen for this long is dropped. */
  maxLostMs: number;
  /** Centre drift allowed while stationary, as a fraction of the box diagonal. */
  jitterTolerance: number;
}

export const DEFAULT_TRACKER: TrackerOptions = {
  highScore: 0.4,
  lowScore: 0.1,
  matchIou: 0.3,
  lowMatchIou: 0.4,
  minHits: 2,
  maxLostMs: 5000,
  jitterTolerance: 0.25,
};

export interface Track {
  id: number;
  label: string;
  box: Box;
  /** Box at the last confident match: zone membership uses this, so weak boxes never move a track. */
  confidentBox: Box;
  detection: Detection;
  bestScore: number;
  firstSeen: number;
  lastSeen: number;
  hits: number;
  confirmed: boolean;
  /** Pixels per ms. */
  velocity: [number, number];
  /** Where the track settled, and since when it has stayed within the jitter tolerance. */
  anchor: [number, number];
  stationarySince: number;
}

export class Tracker {
  private tracks: Track[] = [];
  private nextId = 1;
  private lastTime: number | undefined;
  readonly opts: TrackerOptions;

  constructor(opts: Partial<TrackerOptions> = {}) {
    this.opts = { ...DEFAULT_TRACKER, ...opts };
  }

  /** Confirmed tracks seen in the latest sample. */
  active(): Track[] {
    return this.tracks.filter((t) => t.confirmed && t.lastSeen === this.lastTime);
  }

  all(): readonly Track[] {
    return this.tracks;
  }

  /** How long a track has stayed put, in ms. */
  static stationaryFor(t: Track, now: number): number {
    return now - t.stationarySince;
  }

  update(detections: Detection[], now: number): Track[] {
    const o = this.opts;
    const high = detections.filter((d) => d.score >= o.highScore);
    const low = detections.filter((d) => d.score >= o.lowScore && d.score < o.highScore);
    const predicted = new Map(this.tracks.map((t) => [t, this.predict(t, now)]));

    const unmatched = new Set(this.tracks);
    const matchHigh = greedyMatch([...unmatched], high, predicted, o.matchIou);
    for (const [t, d] of matchHigh) {
      this.apply(t, d, now, true);
      unmatched.delete(t);
    }
    // Second stage: low-score boxes may only continue confirmed tracks (occlusion, blur).
    const matchLow = greedyMatch([...unmatched].filter((t) => t.confirmed), low, predicted, o.lowMatchIou);
    for (const [t, d] of matchLow) {
      this.apply(t, d, now, false);
      unmatched.delete(t);
    }
    const used = new Set([...matchHigh.values()]);
    for (const d of high) if (!used.has(d)) this.spawn(d, now);

    this.tracks = this.tracks.filter((t) => now - t.lastSeen <= o.maxLostMs && (t.confirmed || t.lastSeen === now));
    this.lastTime = now;
    return this.active();
  }

  private predict(t: Track, now: number): Box {
    const dt = Math.min(now - t.lastSeen, this.opts.maxLostMs);
    const [vx, vy] = t.velocity;
    return [t.box[0] + vx * dt, t.box[1] + vy * dt, t.box[2] + vx * dt, t.box[3] + vy * dt];
  }

  private apply(t: Track, d: Detection, now: number, confident: boolean): void {
    const dt = now - t.lastSeen;
    const [cx0, cy0] = centre(t.box);
    const [cx, cy] = centre(d.box);
    if (dt > 0) {
      // Smoothed velocity: a single jumpy box should not fling the prediction.
      t.velocity = [0.5 * t.velocity[0] + 0.5 * ((cx - cx0) / dt), 0.5 * t.velocity[1] + 0.5 * ((cy - cy0) / dt)];
    }
    t.box = d.box;
    t.detection = d;
    t.lastSeen = now;
    t.hits++;
    t.bestScore = Math.max(t.bestScore, d.score);
    if (confident) t.confidentBox = d.box;
    if (t.hits >= this.opts.minHits) t.confirmed = true;
    const drift = Math.hypot(cx - t.anchor[0], cy - t.anchor[1]);
    if (drift > this.opts.jitterTolerance * diagonal(d.box)) {
      t.anchor = [cx, cy];
      t.stationarySince = now;
    }
  }

  private spawn(d: Detection, now: number): void {
    const c = centre(d.box);
    this.tracks.push({
      id: this.nextId++,
      label: d.label,
      box: d.box,
      confidentBox: d.box,
      detection: d,
      bestScore: d.score,
      firstSeen: now,
      lastSeen: now,
      hits: 1,
      confirmed: this.opts.minHits <= 1,
      velocity: [0, 0],
      anchor: c,
      stationarySince: now,
    });
  }
}

/**
 * One track per object, for rules that count or name objects: the detector may see one thing
 * as two classes (a van as car and truck, an e-bike as bicycle and motorcycle), each with its
 * own track. Of tracks whose boxes overlap ≥ 60 % of the smaller, the first in `ordered` stays.
 */
export function oneTrackPerObject(ordered: Track[]): Track[] {
  const kept: Track[] = [];
  for (const t of ordered) if (!kept.some((k) => overlapSmaller(k.box, t.box) >= 0.6)) kept.push(t);
  return kept;
}

/** Greedy IoU assignment, best pairs first; labels must agree. */
function greedyMatch(tracks: Track[], dets: Detection[], predicted: Map<Track, Box>, minIou: number): Map<Track, Detection> {
  const pairs: Array<[number, Track, Detection]> = [];
  for (const t of tracks) {
    for (const d of dets) {
      if (d.label !== t.label) continue;
      const v = iou(predicted.get(t)!, d.box);
      if (v >= minIou) pairs.push([v, t, d]);
    }
  }
  pairs.sort((a, b) => b[0] - a[0]);
  const out = new Map<Track, Detection>();
  const usedD = new Set<Detection>();
  for (const [, t, d] of pairs) {
    if (out.has(t) || usedD.has(d)) continue;
    out.set(t, d);
    usedD.add(d);
  }
  return out;
}
