// Splits a concatenated stream of baseline JPEG images (ffmpeg's `-f image2pipe -c:v mjpeg`)
// into whole images, by walking the marker segments rather than searching for FFD9 blindly.

export interface JpegImage {
  data: Buffer;
  width: number;
  height: number;
}

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;

function isSof(marker: number): boolean {
  // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** Incremental splitter: push chunks, get back every image completed by them. */
export class JpegSplitter {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): JpegImage[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: JpegImage[] = [];
    for (;;) {
      const img = this.next();
      if (!img) break;
      out.push(img);
    }
    return out;
  }

  /** Bytes held back waiting for the rest of an image. */
  get pending(): number {
    return this.buf.length;
  }

  private next(): JpegImage | undefined {
    const b = this.buf;
    // Resynchronise on the next SOI if garbage precedes it.
    let start = 0;
    while (start + 1 < b.length && !(b[start] === 0xff && b[start + 1] === SOI)) start++;
    if (start + 1 >= b.length) {
      this.buf = b.subarray(Math.max(0, b.length - 1));
      return undefined;
    }
    if (start > 0) this.buf = b.subarray(start);
    let i = start + 2;
    let width = 0;
    let height = 0;
    let inScan = false;
    while (i + 1 < b.length) {
      if (inScan) {
        // Entropy-coded data: FF00 is a stuffed byte and FFD0..FFD7 are restart markers.
        if (b[i] !== 0xff) {
          i++;
          continue;
        }
        const m = b[i + 1]!;
        if (m === 0x00 || (m >= 0xd0 && m <= 0xd7) || m === 0xff) {
          i += m === 0xff ? 1 : 2;
          continue;
        }
        inScan = false;
      }
      if (b[i] !== 0xff) return this.fail(b, start);
      const marker = b[i + 1]!;
      if (marker === 0xff) {
        i++; // fill byte
        continue;
      }
      if (marker === EOI) {
        const end = i + 2;
        const data = Buffer.from(b.subarray(start, end));
        this.buf = b.subarray(end);
        return { data, width, height };
      }
      if (marker >= 0xd0 && marker <= 0xd7) {
        i += 2;
        continue;
      }
      if (i + 3 >= b.length) return undefined;
      const len = b.readUInt16BE(i + 2);
      if (isSof(marker)) {
        if (i + 8 >= b.length) return undefined;
        height = b.readUInt16BE(i + 5);
        width = b.readUInt16BE(i + 7);
      }
      i += 2 + len;
      if (marker === SOS) inScan = true;
    }
    return undefined;
  }

  /** A malformed segment: drop this SOI and look for the next one. */
  private fail(b: Buffer, start: number): JpegImage | undefined {
    this.buf = b.subarray(start + 2);
    return this.next();
  }
}
