// PP-OCR DB text detection: probability map → binary map → connected components → minimum-
// area rectangle per component → unclip (grow by area·ratio/perimeter) → source pixels.
// Each text region keeps its rotated rectangle in `points` (4 corners, clockwise from top-left).
import type { LetterboxLayout } from './preprocess.ts';
import { OnnxDetector, type DetectorOptions, type Outputs } from './onnx-detector.ts';
import type { ResolvedModel } from './manifest.ts';
import type { OpenedSession } from './session.ts';

type Pt = [number, number];

export class PpocrDetDetector extends OnnxDetector {
  private labels = new Int32Array(0);
  private queue = new Int32Array(0);
  private rowMin = new Int32Array(0);
  private rowMax = new Int32Array(0);
  private readonly binaryThreshold: number;
  private readonly unclipRatio: number;
  /** Shorter side, in input pixels, below which a region is noise (PaddleOCR's min_size). */
  private readonly minSize = 3;

  constructor(model: ResolvedModel, opened: OpenedSession, opts: DetectorOptions = {}) {
    super(model, opened, opts, 4);
    this.dynamicInput = true;
    this.useNms = false;
    this.binaryThreshold = model.entry.postprocess.binaryThreshold ?? 0.3;
    this.unclipRatio = model.entry.postprocess.unclipRatio ?? 1.5;
  }

  protected decode(outputs: Outputs, layout: LetterboxLayout): void {
    const out = outputs[this.session.outputNames[0]!]!;
    const prob = out.data as Float32Array;
    const W = out.dims[3]!;
    // Only the picture, not the alignment padding.
    const w = Math.min(W, layout.contentWidth);
    const h = Math.min(out.dims[2]!, layout.contentHeight);
    if (this.labels.length < W * out.dims[2]!) {
      this.labels = new Int32Array(W * out.dims[2]!);
      this.queue = new Int32Array(W * out.dims[2]!);
    }
    if (this.rowMin.length < h) {
      this.rowMin = new Int32Array(h);
      this.rowMax = new Int32Array(h);
    }
    const labels = this.labels;
    labels.fill(0);
    const thr = this.binaryThreshold;
    let next = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * W + x;
        if (labels[i] !== 0 || prob[i]! <= thr) continue;
        this.component(prob, W, w, h, i, ++next);
      }
    }
  }

  /** Flood-fills one component, keeping per-row extents (enough for its convex hull). */
  private component(prob: Float32Array, W: number, w: number, h: number, seed: number, label: number): void {
    const { labels, queue, rowMin, rowMax } = this;
    const thr = this.binaryThreshold;
    let head = 0;
    let tail = 0;
    queue[tail++] = seed;
    labels[seed] = label;
    let y0 = Math.floor(seed / W);
    let y1 = y0;
    rowMin[y0] = rowMax[y0] = seed - y0 * W;
    let sum = 0;
    while (head < tail) {
      const i = queue[head++]!;
      sum += prob[i]!;
      const y = (i / W) | 0;
      const x = i - y * W;
      if (y < y0) {
        for (let r = y; r < y0; r++) (rowMin[r] = w), (rowMax[r] = -1);
        y0 = y;
      }
      if (y > y1) {
        for (let r = y1 + 1; r <= y; r++) (rowMin[r] = w), (rowMax[r] = -1);
        y1 = y;
      }
      if (x < rowMin[y]!) rowMin[y] = x;
      if (x > rowMax[y]!) rowMax[y] = x;
      // 4-connected neighbours above the threshold and not yet labelled.
      if (x > 0 && labels[i - 1] === 0 && prob[i - 1]! > thr) (labels[i - 1] = label), (queue[tail++] = i - 1);
      if (x < w - 1 && labels[i + 1] === 0 && prob[i + 1]! > thr) (labels[i + 1] = label), (queue[tail++] = i + 1);
      if (y > 0 && labels[i - W] === 0 && prob[i - W]! > thr) (labels[i - W] = label), (queue[tail++] = i - W);
      if (y < h - 1 && labels[i + W] === 0 && prob[i + W]! > thr) (labels[i + W] = label), (queue[tail++] = i + W);
    }
    if (tail < 4) return;
    const score = sum / tail;
    if (score < this.scoreThreshold) return;
    // Pixel corners of each row's extremes: a one-pixel-tall strip still has an area.
    const pts: Pt[] = [];
    for (let y = y0; y <= y1; y++) {
      if (rowMax[y]! < 0) continue;
      pts.push([rowMin[y]!, y], [rowMax[y]! + 1, y], [rowMin[y]!, y + 1], [rowMax[y]! + 1, y + 1]);
    }
    const rect = minAreaRect(convexHull(pts));
    if (Math.min(rect.w, rect.h) < this.minSize) return;
    const d = (rect.w * rect.h * this.unclipRatio) / (2 * (rect.w + rect.h));
    const grown = { ...rect, w: rect.w + 2 * d, h: rect.h + 2 * d };
    if (Math.min(grown.w, grown.h) < this.minSize + 2) return;
    const corners = rectCorners(grown);
    let x1 = Infinity, yy1 = Infinity, x2 = -Infinity, yy2 = -Infinity;
    for (const [px, py] of corners) {
      x1 = Math.min(x1, px);
      yy1 = Math.min(yy1, py);
      x2 = Math.max(x2, px);
      yy2 = Math.max(yy2, py);
    }
    const c = this.candidates;
    const idx = c.push(x1, yy1, x2, yy2, score, 0);
    corners.forEach(([px, py], j) => {
      c.points[idx * 8 + 2 * j] = px;
      c.points[idx * 8 + 2 * j + 1] = py;
    });
  }
}

/** Andrew's monotone chain; returns the hull counter-clockwise (y down: clockwise on screen). */
export function convexHull(points: Pt[]): Pt[] {
  const p = points.slice().sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (p.length < 3) return p;
  const cross = (o: Pt, a: Pt, b: Pt) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: Pt[] = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, q) <= 0) lower.pop();
    lower.push(q);
  }
  const upper: Pt[] = [];
  for (let i = p.length - 1; i >= 0; i--) {
    const q = p[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, q) <= 0) upper.pop();
    upper.push(q);
  }
  return lower.slice(0, -1).concat(upper.slice(0, -1));
}

export interface RotatedRect {
  cx: number;
  cy: number;
  w: number;
  h: number;
  /** Angle of the `w` side, radians. */
  angle: number;
}

/** Rotating calipers: the minimum-area rectangle has a side on one of the hull's edges. */
export function minAreaRect(hull: Pt[]): RotatedRect {
  let best: RotatedRect = { cx: 0, cy: 0, w: 0, h: 0, angle: 0 };
  let bestArea = Infinity;
  for (let i = 0; i < hull.length; i++) {
    const a = hull[i]!;
    const b = hull[(i + 1) % hull.length]!;
    const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
    if (len === 0) continue;
    const ux = (b[0] - a[0]) / len, uy = (b[1] - a[1]) / len;
    let minU = Infinity, maxU = -Infinity, minV = Infinity, maxV = -Infinity;
    for (const q of hull) {
      const u = q[0] * ux + q[1] * uy;
      const v = -q[0] * uy + q[1] * ux;
      if (u < minU) minU = u;
      if (u > maxU) maxU = u;
      if (v < minV) minV = v;
      if (v > maxV) maxV = v;
    }
    const area = (maxU - minU) * (maxV - minV);
    if (area < bestArea) {
      bestArea = area;
      const mu = (minU + maxU) / 2, mv = (minV + maxV) / 2;
      best = { cx: mu * ux - mv * uy, cy: mu * uy + mv * ux, w: maxU - minU, h: maxV - minV, angle: Math.atan2(uy, ux) };
    }
  }
  // Prefer the long side as width, with an angle in (-45°, 45°]: text reads left to right.
  if (best.h > best.w) best = { ...best, w: best.h, h: best.w, angle: best.angle + Math.PI / 2 };
  while (best.angle > Math.PI / 2) best.angle -= Math.PI;
  while (best.angle <= -Math.PI / 2) best.angle += Math.PI;
  return best;
}

/** Corners top-left, top-right, bottom-right, bottom-left (for a near-horizontal rectangle). */
export function rectCorners(r: RotatedRect): Pt[] {
  const ux = Math.cos(r.angle), uy = Math.sin(r.angle);
  const hw = r.w / 2, hh = r.h / 2;
  const at = (su: number, sv: number): Pt => [r.cx + su * hw * ux - sv * hh * uy, r.cy + su * hw * uy + sv * hh * ux];
  return [at(-1, -1), at(1, -1), at(1, 1), at(-1, 1)];
}
