// Watches the MPEG-PS byte stream on its way to ffmpeg: counts packs and PES packets, reads the
// stream map (which codec the camera sends), and holds bytes back until the first pack header so
// ffmpeg always starts on a pack boundary. Streaming, with a bounded carry-over buffer.

export const PS_STREAM_TYPES: Record<number, string> = {
  0x10: 'mpeg4', 0x1b: 'h264', 0x24: 'h265', 0x80: 'svac', 0x90: 'g711a', 0x91: 'g711u', 0x0f: 'aac',
};

export interface PsStats {
  packs: number;
  pes: number;
  videoPes: number;
  audioPes: number;
  psm: number;
  resyncs: number;
  /** Stream types from the latest program stream map, e.g. { 0xe0: 'h264' }. */
  streams: Record<number, string>;
}

const MAX_CARRY = 64 * 1024;

export class PsScanner {
  readonly stats: PsStats = { packs: 0, pes: 0, videoPes: 0, audioPes: 0, psm: 0, resyncs: 0, streams: {} };
  private carry: Buffer = Buffer.alloc(0);
  private skip = 0;
  private synced = false;
  /** The latest program stream map, as bytes (start code to CRC). */
  psm?: Buffer;

  /**
   * `carryPsm`: a stream map seen earlier (a device may send it only at session start); it is
   * put right after the first pack header forwarded, so a fresh decoder knows the codec.
   */
  constructor(private readonly carryPsm?: Buffer) {}

  /** Feeds bytes; returns the bytes to forward (everything from the first pack header on). */
  push(chunk: Buffer): Buffer {
    let forward = chunk;
    if (!this.synced) {
      const at = Buffer.concat([this.carry, chunk]).indexOf(PACK);
      if (at < 0) {
        this.carry = chunk.subarray(Math.max(0, chunk.length - 3));
        return Buffer.alloc(0);
      }
      const joined = Buffer.concat([this.carry, chunk]);
      forward = joined.subarray(at);
      this.synced = true;
      this.carry = Buffer.alloc(0);
      this.scan(forward);
      if (this.carryPsm && forward.length >= 14) {
        const afterPack = 14 + (forward[13]! & 7);
        forward = Buffer.concat([forward.subarray(0, afterPack), this.carryPsm, forward.subarray(afterPack)]);
      }
      return forward;
    }
    this.scan(chunk);
    return forward;
  }

  private scan(chunk: Buffer): void {
    if (this.skip >= chunk.length) {
      this.skip -= chunk.length;
      return;
    }
    let buf = this.carry.length ? Buffer.concat([this.carry, chunk.subarray(this.skip)]) : chunk.subarray(this.skip);
    this.skip = 0;
    let i = 0;
    while (i + 4 <= buf.length) {
      if (buf[i] !== 0 || buf[i + 1] !== 0 || buf[i + 2] !== 1) {
        const next = buf.indexOf(START, i + 1);
        this.stats.resyncs++;
        if (next < 0) {
          i = Math.max(i, buf.length - 2);
          break;
        }
        i = next;
        continue;
      }
      const id = buf[i + 3];
      if (id === 0xba) {
        if (i + 14 > buf.length) break;
        const len = 14 + (buf[i + 13] & 7);
        this.stats.packs++;
        i += len;
        continue;
      }
      if (id < 0xbb) {
        // Not a system-layer start code (e.g. raw elementary data after a bad PES length).
        i += 3;
        this.stats.resyncs++;
        continue;
      }
      if (i + 6 > buf.length) break;
      const len = buf.readUInt16BE(i + 4);
      // Real stream maps are tens of bytes; a huge one is skipped unread (no carry-over growth).
      if (id === 0xbc && len <= 1024) {
        if (i + 6 + len > buf.length) break;
        this.readPsm(buf.subarray(i + 6, i + 6 + len));
        this.psm = Buffer.from(buf.subarray(i, i + 6 + len));
      } else if (id >= 0xc0 && id <= 0xef) {
        this.stats.pes++;
        if (id >= 0xe0) this.stats.videoPes++;
        else this.stats.audioPes++;
      }
      if (len === 0) {
        i += 6;
        continue;
      }
      const end = i + 6 + len;
      if (end > buf.length) {
        this.skip = end - buf.length;
        i = buf.length;
        break;
      }
      i = end;
    }
    buf = buf.subarray(Math.min(i, buf.length));
    this.carry = buf.length > MAX_CARRY ? Buffer.alloc(0) : Buffer.from(buf);
  }

  private readPsm(b: Buffer): void {
    if (b.length < 6) return;
    this.stats.psm++;
    const infoLen = b.readUInt16BE(2);
    let o = 4 + infoLen;
    if (o + 2 > b.length) return;
    const mapLen = b.readUInt16BE(o);
    o += 2;
    const end = Math.min(b.length, o + mapLen);
    const streams: Record<number, string> = {};
    let n = 0;
    while (o + 4 <= end && n++ < 32) {
      const type = b[o];
      const esId = b[o + 1];
      streams[esId] = PS_STREAM_TYPES[type] ?? `0x${type.toString(16)}`;
      o += 4 + b.readUInt16BE(o + 2);
    }
    this.stats.streams = streams;
  }
}

const PACK = Buffer.from([0, 0, 1, 0xba]);
const START = Buffer.from([0, 0, 1]);
