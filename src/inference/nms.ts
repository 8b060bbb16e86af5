// Candidate boxes in reusable typed arrays, and greedy NMS over them. Per-class NMS uses the
// class-offset trick: shifting each class's boxes by classId·(max coordinate + 1) makes boxes
// of different classes never overlap, so one pass over one sorted list serves every class.

export class Candidates {
  count = 0;
  boxes: Float32Array;
  scores: Float32Array;
  classIds: Int32Array;
  /** Optional per-candidate points (e.g. 5 landmarks → 10 floats). */
  points: Float32Array;

  constructor(
    capacity = 256,
    readonly pointsPer = 0,
  ) {
    this.boxes = new Float32Array(capacity * 4);
    this.scores = new Float32Array(capacity);
    this.classIds = new Int32Array(capacity);
    this.points = new Float32Array(capacity * pointsPer * 2);
  }

  reset(): void {
    this.count = 0;
  }

  /** Appends one candidate; returns its index (for filling points). */
  push(x1: number, y1: number, x2: number, y2: number, score: number, classId: number): number {
    if (this.count === this.scores.length) this.grow();
    const i = this.count++;
    const b = i * 4;
    this.boxes[b] = x1;
    this.boxes[b + 1] = y1;
    this.boxes[b + 2] = x2;
    this.boxes[b + 3] = y2;
    this.scores[i] = score;
    this.classIds[i] = classId;
    return i;
  }

  private grow(): void {
    const cap = this.scores.length * 2;
    const boxes = new Float32Array(cap * 4);
    boxes.set(this.boxes);
    const scores = new Float32Array(cap);
    scores.set(this.scores);
    const classIds = new Int32Array(cap);
    classIds.set(this.classIds);
    const points = new Float32Array(cap * this.pointsPer * 2);
    points.set(this.points);
    Object.assign(this, { boxes, scores, classIds, points });
  }
}

let orderBuf = new Int32Array(256);
let areaBuf = new Float32Array(256);
let offBuf = new Float32Array(256 * 4);
let suppressed = new Uint8Array(256);

/**
 * Greedy NMS. Returns the kept candidate indices, best score first.
 * `perClass`: boxes of different classes never suppress each other.
 */
export function nms(c: Candidates, iouThreshold: number, perClass = true, maxDetections = 300): number[] {
  const n = c.count;
  if (n === 0) return [];
  if (orderBuf.length < n) {
    const cap = Math.max(n, orderBuf.length * 2);
    orderBuf = new Int32Array(cap);
    areaBuf = new Float32Array(cap);
    offBuf = new Float32Array(cap * 4);
    suppressed = new Uint8Array(cap);
  }
  const scores = c.scores;
  const order = orderBuf.subarray(0, n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[b]! - scores[a]!);

  const src = c.boxes;
  let box = src;
  if (perClass) {
    let max = 0;
    for (let i = 0; i < n * 4; i++) if (src[i]! > max) max = src[i]!;
    const step = max + 1;
    box = offBuf;
    for (let i = 0; i < n; i++) {
      const o = c.classIds[i]! * step;
      const b = i * 4;
      box[b] = src[b]! + o;
      box[b + 1] = src[b + 1]! + o;
      box[b + 2] = src[b + 2]! + o;
      box[b + 3] = src[b + 3]! + o;
    }
  }
  for (let i = 0; i < n; i++) {
    const b = i * 4;
    areaBuf[i] = Math.max(0, box[b + 2]! - box[b]!) * Math.max(0, box[b + 3]! - box[b + 1]!);
    suppressed[i] = 0;
  }

  const keep: number[] = [];
  for (let oi = 0; oi < n && keep.length < maxDetections; oi++) {
    const i = order[oi]!;
    if (suppressed[i]) continue;
    keep.push(i);
    const bi = i * 4;
    const ix1 = box[bi]!, iy1 = box[bi + 1]!, ix2 = box[bi + 2]!, iy2 = box[bi + 3]!;
    const ia = areaBuf[i]!;
    for (let oj = oi + 1; oj < n; oj++) {
      const j = order[oj]!;
      if (suppressed[j]) continue;
      const bj = j * 4;
      const w = Math.min(ix2, box[bj + 2]!) - Math.max(ix1, box[bj]!);
      if (w <= 0) continue;
      const h = Math.min(iy2, box[bj + 3]!) - Math.max(iy1, box[bj + 1]!);
      if (h <= 0) continue;
      const inter = w * h;
      if (inter / (ia + areaBuf[j]! - inter) > iouThreshold) suppressed[j] = 1;
    }
  }
  return keep;
}

/** IoU of two [x1,y1,x2,y2] boxes. */
export function iou(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const w = Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!);
  const h = Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / ((a[2]! - a[0]!) * (a[3]! - a[1]!) + (b[2]! - b[0]!) * (b[3]! - b[1]!) - inter);
}
