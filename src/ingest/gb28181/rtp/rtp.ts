// RTP fixed header (RFC 3550 §5.1): version, padding, extension, CSRCs, marker, PT, seq, ts, SSRC.
// Returns undefined for anything that is not a well-formed version-2 packet.

export interface RtpPacket {
  marker: boolean;
  payloadType: number;
  seq: number;
  timestamp: number;
  ssrc: number;
  payload: Buffer;
}

export function parseRtp(buf: Buffer): RtpPacket | undefined {
  if (buf.length < 12) return undefined;
  const b0 = buf[0];
  if (b0 >> 6 !== 2) return undefined;
  const cc = b0 & 0x0f;
  let off = 12 + cc * 4;
  if (off > buf.length) return undefined;
  if (b0 & 0x10) {
    if (off + 4 > buf.length) return undefined;
    off += 4 + buf.readUInt16BE(off + 2) * 4;
    if (off > buf.length) return undefined;
  }
  let end = buf.length;
  if (b0 & 0x20) {
    const pad = buf[buf.length - 1];
    if (pad === 0 || end - pad < off) return undefined;
    end -= pad;
  }
  return {
    marker: (buf[1] & 0x80) !== 0,
    payloadType: buf[1] & 0x7f,
    seq: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    payload: buf.subarray(off, end),
  };
}

export function buildRtp(p: Omit<RtpPacket, 'payload'>, payload: Buffer): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = (p.marker ? 0x80 : 0) | (p.payloadType & 0x7f);
  h.writeUInt16BE(p.seq & 0xffff, 2);
  h.writeUInt32BE(p.timestamp >>> 0, 4);
  h.writeUInt32BE(p.ssrc >>> 0, 8);
  return Buffer.concat([h, payload]);
}

/**
 * RFC 4571: RTP over a TCP stream, each packet preceded by a 16-bit big-endian length. At most one
 * partial frame (≤ 64 KiB + 2) is held; chunks are joined only once a frame is complete.
 */
export class Rfc4571Framer {
  private chunks: Buffer[] = [];
  private total = 0;

  push(chunk: Buffer): Buffer[] {
    if (chunk.length) {
      this.chunks.push(chunk);
      this.total += chunk.length;
    }
    const out: Buffer[] = [];
    while (this.total >= 2) {
      const first = this.chunks[0];
      const len = first.length >= 2 ? first.readUInt16BE(0) : (first[0] << 8) | this.chunks[1][0];
      if (this.total < 2 + len) break;
      const all = this.chunks.length === 1 ? first : Buffer.concat(this.chunks, this.total);
      if (len > 0) out.push(Buffer.from(all.subarray(2, 2 + len)));
      const rest = all.subarray(2 + len);
      this.chunks = rest.length ? [rest] : [];
      this.total = rest.length;
    }
    return out;
  }
}

export function frame4571(pkt: Buffer): Buffer {
  const h = Buffer.alloc(2);
  h.writeUInt16BE(pkt.length);
  return Buffer.concat([h, pkt]);
}
