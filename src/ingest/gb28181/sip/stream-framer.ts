// Splits a TCP byte stream into SIP messages using Content-Length (RFC 3261 §18.3).
// Bounded: a peer that never sends a header end or claims a huge body gets an error, not RAM.
import { SIP_LIMITS, SipParseError, findHeaderEnd } from './message.ts';

export class SipStreamFramer {
  private buf: Buffer = Buffer.alloc(0);

  /** Appends bytes and returns every complete message now available. Throws on a framing error. */
  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Buffer[] = [];
    for (;;) {
      // CRLF keep-alives between messages (RFC 5626) are skipped.
      let skip = 0;
      while (skip < this.buf.length && (this.buf[skip] === 0x0d || this.buf[skip] === 0x0a)) skip++;
      if (skip) this.buf = this.buf.subarray(skip);
      if (!this.buf.length) break;
      const end = findHeaderEnd(this.buf);
      if (end < 0) {
        if (this.buf.length > SIP_LIMITS.maxHeaderBytes) throw new SipParseError('header block too large');
        break;
      }
      const head = this.buf.toString('latin1', 0, end);
      const m = /\r\n(?:content-length|l)[ \t]*:[ \t]*(\d{1,6})[ \t]*(?=\r\n|$)/i.exec(head);
      if (!m) throw new SipParseError('Content-Length required on a stream');
      const total = end + 4 + Number(m[1]);
      if (total > SIP_LIMITS.maxMessageBytes) throw new SipParseError('message too large');
      if (this.buf.length < total) break;
      out.push(Buffer.from(this.buf.subarray(0, total)));
      this.buf = this.buf.subarray(total);
    }
    return out;
  }

  get buffered(): number {
    return this.buf.length;
  }
}
