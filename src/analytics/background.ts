// Road-surface background model on a downscaled grey picture: a running average updated
// only where the road is visible (no vehicle or person over it) and not already changed,
// so debris that stays is remembered as "new static foreground" with its onset time.
import type { BgrImage } from '../ingest/types.ts';
import type { Box, Detection } from '../inference/types.ts';
import { expand, rasterize } from './geometry.ts';

export interface BackgroundOptions {
  /** Width of the analysis picture; height follows the aspect. */
  width: number;
  /** Learning rate of the background where the road is clear. */
  alpha: number;
  /** Grey-level difference that counts as changed. */
  threshold: number;
}

export const DEFAULT_BACKGROUND: BackgroundOptions = { width: 160, alpha: 0.05, threshold: 28 };

export class BackgroundModel {
  readonly w: number;
  readonly h: number;
  private readonly bg: Float32Array;
  /** Pixels seen unobstructed at least once; the rest have no background yet. */
  private readonly known: Uint8Array;
  /** ms when each pixel became foreground; 0 = background. */
  readonly fgSince: Float64Array;
  readonly opts: BackgroundOptions;

  constructor(srcWidth: number, srcHeight: number, opts: Partial<BackgroundOptions> = {}) {
    this.opts = { ...DEFAULT_BACKGROUND, ...opts };
    this.w = this.opts.width;
    this.h = Math.max(1, Math.round((srcHeight / srcWidth) * this.w));
    this.fgSince = new Float64Array(this.w * this.h);
    this.bg = new Float32Array(this.w * this.h);
    this.known = new Uint8Array(this.w * this.h);
  }

  /** Box (source pixels) → analysis-grid box. */
  toGrid(b: Box, srcWidth: number): Box {
    const k = this.w / srcWidth;
    return [b[0] * k, b[1] * k, b[2] * k, b[3] * k];
  }

  /** Area-average grey of the image on the analysis grid. */
  grey(image: BgrImage): Float32Array {
    const out = new Float32Array(this.w * this.h);
    const cnt = new Float32Array(this.w * this.h);
    const sx = this.w / image.width;
    const sy = this.h / image.height;
    const d = image.data;
    for (let y = 0; y < image.height; y++) {
      const gy = Math.min(this.h - 1, Math.floor(y * sy)) * this.w;
      for (let x = 0; x < image.width; x++) {
        const i = (y * image.width + x) * 3;
        const g = gy + Math.min(this.w - 1, Math.floor(x * sx));
        out[g]! += 0.114 * d[i]! + 0.587 * d[i + 1]! + 0.299 * d[i + 2]!;
        cnt[g]! += 1;
      }
    }
    for (let i = 0; i < out.length; i++) out[i] = out[i]! / Math.max(1, cnt[i]!);
    return out;
  }

  /**
   * Feeds one picture. `occluded` (grid boxes) are vehicles/persons: their pixels are not
   * judged and not learned this time.
   */
  update(image: BgrImage, occluded: Box[], now: number): void {
    const g = this.grey(image);
    const occ = new Uint8Array(this.w * this.h);
    for (const b of occluded) {
      for (let y = Math.max(0, Math.floor(b[1])); y < Math.min(this.h, Math.ceil(b[3])); y++) {
        for (let x = Math.max(0, Math.floor(b[0])); x < Math.min(this.w, Math.ceil(b[2])); x++) occ[y * this.w + x] = 1;
      }
    }
    const { alpha, threshold } = this.opts;
    for (let i = 0; i < g.length; i++) {
      if (occ[i]) continue;
      if (!this.known[i]) {
        // First clear view of this patch of road (people standing there at start leave no ghost).
        this.bg[i] = g[i]!;
        this.known[i] = 1;
        continue;
      }
      const diff = Math.abs(g[i]! - this.bg[i]!);
      if (diff > threshold) {
        if (this.fgSince[i] === 0) this.fgSince[i] = now;
        // Very slow absorption, so a lighting change does not stay "debris" for ever.
        this.bg[i]! += (alpha / 50) * (g[i]! - this.bg[i]!);
      } else {
        this.fgSince[i] = 0;
        this.bg[i]! += alpha * (g[i]! - this.bg[i]!);
      }
    }
  }

  /** Connected regions (4-neighbour) of pixels foreground for at least `minAgeMs`, inside `mask`. */
  staticRegions(now: number, minAgeMs: number, mask: Uint8Array, minPixels: number): Array<{ box: Box; pixels: number; onset: number }> {
    const W = this.w;
    const on = (i: number): boolean => mask[i] === 1 && this.fgSince[i]! > 0 && now - this.fgSince[i]! >= minAgeMs;
    const seen = new Uint8Array(W * this.h);
    const out: Array<{ box: Box; pixels: number; onset: number }> = [];
    for (let s = 0; s < seen.length; s++) {
      if (seen[s] || !on(s)) continue;
      const stack = [s];
      seen[s] = 1;
      let n = 0;
      let onset = 0;
      const box: Box = [W, this.h, 0, 0];
      while (stack.length) {
        const i = stack.pop()!;
        const x = i % W;
        const y = (i - x) / W;
        n++;
        onset = Math.max(onset, this.fgSince[i]!);
        box[0] = Math.min(box[0], x);
        box[1] = Math.min(box[1], y);
        box[2] = Math.max(box[2], x + 1);
        box[3] = Math.max(box[3], y + 1);
        for (const j of [x > 0 ? i - 1 : -1, x < W - 1 ? i + 1 : -1, i - W, i + W]) {
          if (j >= 0 && j < seen.length && !seen[j] && on(j)) {
            seen[j] = 1;
            stack.push(j);
          }
        }
      }
      if (n >= minPixels) out.push({ box, pixels: n, onset });
    }
    return out;
  }
}

/** Detector labels that hide the ground: not judged and not learned under their boxes. */
const OCCLUDER_LABELS: ReadonlySet<string> = new Set(['truck', 'vehicle', 'person']);

/** A static region in source pixels, its size on the analysis grid and the ms it appeared. */
export interface StaticRegion {
  box: Box;
  pixels: number;
  onset: number;
}

/**
 * The background model of one zone (the rules that look for new static things: spillage
 * debris, piled materials): created on the first picture, fed each sample with the people
 * and vehicles masked out, answering with the zone's static regions in source pixels.
 */
export class ZoneBackground {
  readonly bgm: BackgroundModel;
  private readonly mask: Uint8Array;
  /** Grid pixels inside the zone. */
  readonly zonePixels: number;
  /** Source pixels per grid pixel. */
  private readonly k: number;

  /** `polygon` in source pixels of a `width` × `height` picture. */
  constructor(width: number, height: number, polygon: Array<[number, number]>) {
    this.bgm = new BackgroundModel(width, height);
    this.k = width / this.bgm.w;
    this.mask = rasterize(polygon.map(([x, y]) => [x / this.k, y / this.k] as [number, number]), this.bgm.w, this.bgm.h);
    this.zonePixels = this.mask.reduce((s, v) => s + v, 0);
  }

  /** Feeds one sample; detections in source pixels (people and vehicles hide the ground, 10 % margin). */
  update(image: BgrImage, detections: Detection[], now: number): void {
    const occluders = detections.filter((d) => OCCLUDER_LABELS.has(d.label)).map((d) => expand(this.toGrid(d.box), 0.1));
    this.bgm.update(image, occluders, now);
  }

  /** Source box → analysis-grid box. */
  toGrid(b: Box): Box {
    return [b[0] / this.k, b[1] / this.k, b[2] / this.k, b[3] / this.k];
  }

  /** Grid pixels of `minFraction` of the zone, 2 at least (one pixel is noise). */
  minPixels(minFraction: number): number {
    return Math.max(2, minFraction * this.zonePixels);
  }

  /** Regions in the zone static for at least `minAgeMs` and covering at least `minFraction` of it (see minPixels); boxes in source pixels. */
  staticRegions(now: number, minAgeMs: number, minFraction: number): StaticRegion[] {
    return this.bgm.staticRegions(now, minAgeMs, this.mask, this.minPixels(minFraction)).map((r) => ({ ...r, box: r.box.map((v) => v * this.k) as Box }));
  }
}
