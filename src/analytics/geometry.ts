// Box and polygon helpers in pixel space. Zone polygons are stored normalised (0..1) and
// scaled to the frame here.
import type { Box } from '../inference/types.ts';
import type { PolygonT } from '../config/schema.ts';

export type Pt = [number, number];

export const area = (b: Box): number => Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
export const centre = (b: Box): Pt => [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
export const bottomCentre = (b: Box): Pt => [(b[0] + b[2]) / 2, b[3]];
export const diagonal = (b: Box): number => Math.hypot(b[2] - b[0], b[3] - b[1]);

export function iou(a: Box, b: Box): number {
  const inter = area([Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])]);
  const u = area(a) + area(b) - inter;
  return u > 0 ? inter / u : 0;
}

/** Intersection over the smaller box: 1 when one box lies inside the other. */
export function overlapSmaller(a: Box, b: Box): number {
  const inter = area([Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])]);
  const m = Math.min(area(a), area(b));
  return m > 0 ? inter / m : 0;
}

export function union(boxes: Box[]): Box {
  return [
    Math.min(...boxes.map((b) => b[0])),
    Math.min(...boxes.map((b) => b[1])),
    Math.max(...boxes.map((b) => b[2])),
    Math.max(...boxes.map((b) => b[3])),
  ];
}

export function expand(b: Box, frac: number): Box {
  const dx = (b[2] - b[0]) * frac;
  const dy = (b[3] - b[1]) * frac;
  return [b[0] - dx, b[1] - dy, b[2] + dx, b[3] + dy];
}

export function toPixels(poly: PolygonT, width: number, height: number): Pt[] {
  return poly.map(([x, y]) => [x * width, y * height]);
}

/** Even-odd ray casting. */
export function pointInPolygon(p: Pt, poly: Pt[]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i]!;
    const [xj, yj] = poly[j]!;
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * Which side of an open line (two or more points) `p` lies on, as seen on the picture while
 * walking the line from its first point to its last: the sign of the cross product with the
 * segment nearest to `p` (its ends extend the line). Image y points down, so a positive
 * cross product is the walker's right. Undefined on the line itself.
 */
export function sideOfLine(p: Pt, line: Pt[]): 'left' | 'right' | undefined {
  let best = Infinity;
  let cross = 0;
  for (let i = 1; i < line.length; i++) {
    const [ax, ay] = line[i - 1]!;
    const [bx, by] = line[i]!;
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    // Projection onto the segment, clamped to its ends; a zero-length segment is its point.
    const s = len2 > 0 ? Math.min(1, Math.max(0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / len2)) : 0;
    const d = Math.hypot(p[0] - (ax + s * dx), p[1] - (ay + s * dy));
    if (d < best && len2 > 0) {
      best = d;
      cross = dx * (p[1] - ay) - dy * (p[0] - ax);
    }
  }
  return cross > 0 ? 'right' : cross < 0 ? 'left' : undefined;
}

export function polygonBox(poly: Pt[]): Box {
  return [
    Math.min(...poly.map((p) => p[0])),
    Math.min(...poly.map((p) => p[1])),
    Math.max(...poly.map((p) => p[0])),
    Math.max(...poly.map((p) => p[1])),
  ];
}

/** 1 inside the polygon (pixel centres), 0 outside. */
export function rasterize(poly: Pt[], width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) if (pointInPolygon([x + 0.5, y + 0.5], poly)) out[y * width + x] = 1;
  }
  return out;
}

export function normaliseBox(b: Box, width: number, height: number): Box {
  return [b[0] / width, b[1] / height, b[2] / width, b[3] / height];
}
