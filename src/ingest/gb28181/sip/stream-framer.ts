// Splits a TCP byte stream into SIP messages using Content-Length (RFC 3261 §18.3).
// Bounded: a peer that never sends a header end or claims a huge body gets an error, not RAM.
// Chunks are kept as a list and joined once a message is complete, so a peer dribbling bytes one
// at a time costs linear, not quadratic, copying.
import { SIP_LIMITS, SipParseError } from './message.ts';

const CRLFCRLF = Buffer.from('\r\n\r\n');

export class SipStreamFramer {
  private chunks: Buffer[] = [];
  private total = 0;
  /** Bytes already searched for the header end (minus an overlap of 3). */
  private scanned = 0;
  /** Full length of the message in progress once its headers are known. */
  private need = 0;
  /** Leading CRLFs of the current message have been skipped. */
  private started = false;

  /** Appends bytes and returns every complete message now available. Throws on a framing error. */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length) {
      this.chunks.push(chunk);
      this.total += chunk.length;
    }
    const out: Buffer[] = [];
    for (;;) {
      if (this.need) {
        if (this.total < this.need) return out;
        const all = this.join();
        out.push(Buffer.from(all.subarray(0, this.need)));
        this.reset(all.subarray(this.need));
        continue;
      }
      if (!this.total) return out;
      if (!this.started) {
        // CRLF keep-alives between messages (RFC 5626) are skipped.
        const buf = this.join();
        let skip = 0;
        while (skip < buf.length && (buf[skip] === 0x0d || buf[skip] === 0x0a)) skip++;
        this.reset(buf.subarray(skip));
        if (!this.total) return out;
        this.started = true;
      }
      // Search only the bytes not searched yet (plus 3 of overlap).
      const from = Math.max(0, this.scanned - 3);
      const i = this.from(from).indexOf(CRLFCRLF);
      if (i < 0) {
        if (this.total > SIP_LIMITS.maxHeaderBytes) throw new SipParseError('header block too large');
        this.scanned = this.total;
        // Keep the chunk list short so `from()` stays cheap for a peer sending tiny segments.
        if (this.chunks.length > 64) this.join();
        return out;
      }
      const end = from + i;
      const buf = this.join();
      const head = buf.toString('latin1', 0, end);
      const m = /\r\n(?:content-length|l)[ \t]*:[ \t]*(\d{1,6})[ \t]*(?=\r\n|$)/i.exec(head);
      if (!m) throw new SipParseError('Content-Length required on a stream');
      this.need = end + 4 + Number(m[1]);
      if (this.need > SIP_LIMITS.maxMessageBytes) throw new SipParseError('message too large');
    }
  }

  /** Copy of the bytes from offset `at` to the end (only the unsearched tail, so cheap). */
  private from(at: number): Buffer {
    const parts: Buffer[] = [];
    let off = 0;
    for (const c of this.chunks) {
      if (off + c.length > at) parts.push(off >= at ? c : c.subarray(at - off));
      off += c.length;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }

  private join(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.total)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  private reset(rest: Buffer): void {
    this.chunks = rest.length ? [rest] : [];
    this.total = rest.length;
    this.scanned = 0;
    this.need = 0;
    this.started = false;
  }

  get buffered(): number {
    return this.total;
  }
}
