// Reorder buffer for RTP: releases payloads in sequence order, waits a bounded time / number of
// packets for a late one, then gives the gap up. Memory is capped at `maxPackets` packets.
import type { RtpPacket } from './rtp.ts';

export interface ReorderStats {
  released: number;
  lost: number;
  late: number;
  duplicate: number;
  reordered: number;
  resets: number;
}

/** Signed distance a→b in 16-bit sequence space. */
export function seqDiff(a: number, b: number): number {
  return ((b - a + 0x8000) & 0xffff) - 0x8000;
}

export class ReorderBuffer {
  private expected?: number;
  private pending = new Map<number, { pkt: RtpPacket; at: number }>();
  /** Which of the last 32768 sequence numbers were released, to tell duplicates from late packets. */
  private released = new Uint8Array(65536);
  readonly stats: ReorderStats = { released: 0, lost: 0, late: 0, duplicate: 0, reordered: 0, resets: 0 };

  constructor(
    private readonly emit: (pkt: RtpPacket) => void,
    private readonly maxPackets = 128,
    private readonly maxDelayMs = 200,
  ) {}

  push(pkt: RtpPacket, now = Date.now()): void {
    if (this.expected === undefined) this.expected = pkt.seq;
    const d = seqDiff(this.expected, pkt.seq);
    if (Math.abs(d) > 3000) {
      // Far outside any plausible window: the sender restarted its sequence. Start over.
      this.releaseAll();
      this.stats.resets++;
      this.released.fill(0);
      this.expected = pkt.seq;
    } else if (d < 0) {
      if (this.released[pkt.seq]) this.stats.duplicate++;
      else this.stats.late++;
      return;
    }
    if (this.pending.has(pkt.seq)) {
      this.stats.duplicate++;
      return;
    }
    if (pkt.seq !== this.expected) this.stats.reordered++;
    this.pending.set(pkt.seq, { pkt, at: now });
    this.drain();
    if (this.pending.size > this.maxPackets) this.skipGap();
  }

  /** Gives up on a gap whose oldest waiting packet is older than maxDelayMs. Call periodically. */
  tick(now = Date.now()): void {
    while (this.pending.size) {
      let oldest = Infinity;
      for (const v of this.pending.values()) oldest = Math.min(oldest, v.at);
      if (now - oldest < this.maxDelayMs) return;
      this.skipGap();
    }
  }

  get waiting(): number {
    return this.pending.size;
  }

  private drain(): void {
    for (;;) {
      const e = this.pending.get(this.expected!);
      if (!e) return;
      this.pending.delete(this.expected!);
      this.released[this.expected!] = 1;
      this.released[(this.expected! + 0x8000) & 0xffff] = 0;
      this.expected = (this.expected! + 1) & 0xffff;
      this.stats.released++;
      this.emit(e.pkt);
    }
  }

  private skipGap(): void {
    let best: number | undefined;
    let bestD = Infinity;
    for (const seq of this.pending.keys()) {
      const d = seqDiff(this.expected!, seq);
      if (d < bestD) {
        bestD = d;
        best = seq;
      }
    }
    if (best === undefined) return;
    this.stats.lost += Math.max(0, bestD);
    this.expected = best;
    this.drain();
  }

  private releaseAll(): void {
    while (this.pending.size) this.skipGap();
  }
}
