// A bounded window of latency samples with percentiles; memory stays fixed however long it runs.

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export class LatencyWindow {
  private readonly buf: Float64Array;
  private next = 0;
  private filled = 0;
  count = 0;

  constructor(size = 256) {
    this.buf = new Float64Array(size);
  }

  add(ms: number): void {
    this.buf[this.next] = ms;
    this.next = (this.next + 1) % this.buf.length;
    if (this.filled < this.buf.length) this.filled++;
    this.count++;
  }

  /** p50 / p99 / max over the window, in ms (NaN when empty). */
  summary(): { count: number; window: number; p50: number; p99: number; max: number } {
    const s = this.buf.slice(0, this.filled).sort();
    return { count: this.count, window: this.filled, p50: percentile(s, 50), p99: percentile(s, 99), max: s.length ? s[s.length - 1]! : NaN };
  }
}
