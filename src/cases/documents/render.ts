// Lays out a document with pdf-lib on A4: header, number, party, facts, the evidence stills
// with their hashes, the template's closing paragraphs, the issuer with a drawn seal, and a
// QR code for the public verification page. Text is set in one CJK face of a fonts-noto-cjk
// collection, subset so only the glyphs used are embedded.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
import { PDFDocument, rgb, degrees, type PDFFont, type PDFPage } from 'pdf-lib';
import QRCode from 'qrcode';
import type { DocumentFactsT, Still } from './facts.ts';
import { actorName, bureauTime, factLine, partyLines, stillCaption, type Template } from './templates.ts';

/** The keyword (Info dictionary, inside the signed byte range) that carries the document number. */
export const DOC_NO_KEYWORD = 'huiyan-document-no=';

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 56;
const RED = rgb(0.82, 0.1, 0.1);
const INK = rgb(0.1, 0.1, 0.1);

const fontCache = new Map<string, Buffer>();
function fontBytes(file: string): Buffer {
  let b = fontCache.get(file);
  if (!b) fontCache.set(file, (b = readFileSync(file)));
  return b;
}

// fontkit 2 (foliojs), not pdf-lib's own fork @pdf-lib/fontkit: the fork predates upstream's
// CFF subsetting fixes and writes a subset of a CID-keyed CFF face (all of Noto CJK) that
// FreeType/poppler reject, so the text would not render. fontkit 2 ships no types.
interface FontkitSubset { encode(): Uint8Array; encodeStream?: () => NodeJS.ReadableStream }
interface FontkitFont { postscriptName: string; createSubset(): FontkitSubset }
const fontkit = createRequire(import.meta.url)('fontkit') as { create(data: Buffer, postscriptName?: string): FontkitFont | undefined };

/**
 * What pdf-lib's registerFontkit expects, on fontkit 2. pdf-lib hands the file to
 * create(bytes), which for a collection (.ttc) would return the collection: fontkit opens one
 * face of a collection by its PostScript name, so `face` is picked here and pdf-lib embeds and
 * subsets it like a single font (no face bytes cut out by hand). pdf-lib reads the subset
 * through fontkit 1's encodeStream(); fontkit 2 has encode(), which this streams.
 */
function faceOf(face: string) {
  return {
    create: (data: Uint8Array) => {
      const f = fontkit.create(Buffer.from(data.buffer, data.byteOffset, data.byteLength), face);
      if (!f || f.postscriptName !== face) throw new Error(`font face ${face} not found in the font file`);
      const createSubset = f.createSubset.bind(f);
      f.createSubset = () => {
        const s = createSubset();
        s.encodeStream = () => {
          const out = new PassThrough();
          queueMicrotask(() => out.end(Buffer.from(s.encode())));
          return out;
        };
        return s;
      };
      return f;
    },
  } as unknown as Parameters<PDFDocument['registerFontkit']>[0];
}

class Writer {
  page!: PDFPage;
  y = 0;
  constructor(readonly doc: PDFDocument, readonly font: PDFFont) {
    this.newPage();
  }
  get width() {
    return A4[0] - 2 * MARGIN;
  }
  newPage() {
    this.page = this.doc.addPage(A4);
    this.y = A4[1] - MARGIN;
  }
  need(h: number) {
    if (this.y - h < MARGIN) this.newPage();
  }
  /** Wraps by character (Chinese has no spaces to break at) to the given width. */
  lines(text: string, size: number, width = this.width): string[] {
    const out: string[] = [];
    let line = '';
    for (const ch of text) {
      if (line && this.font.widthOfTextAtSize(line + ch, size) > width) {
        out.push(line);
        line = '';
      }
      line += ch;
    }
    if (line) out.push(line);
    return out;
  }
  text(text: string, o: { size?: number; align?: 'left' | 'center' | 'right'; indent?: number; color?: ReturnType<typeof rgb>; gap?: number } = {}) {
    const size = o.size ?? 11;
    const lead = size * 1.6;
    for (const [i, l] of this.lines(text, size, this.width - (o.indent ?? 0)).entries()) {
      this.need(lead);
      const w = this.font.widthOfTextAtSize(l, size);
      const x = o.align === 'center' ? (A4[0] - w) / 2 : o.align === 'right' ? A4[0] - MARGIN - w : MARGIN + (i === 0 ? (o.indent ?? 0) : 0);
      this.page.drawText(l, { x, y: this.y - size, size, font: this.font, color: o.color ?? INK });
      this.y -= lead;
    }
    this.y -= o.gap ?? 4;
  }
}

/** A round red seal: the bureau's name along the upper arc, a star, and 法律文书专用章. */
function drawSeal(page: PDFPage, font: PDFFont, name: string, cx: number, cy: number, r = 52) {
  page.drawCircle({ x: cx, y: cy, size: r, borderColor: RED, borderWidth: 2.5, opacity: 0, borderOpacity: 0.85 });
  const chars = [...name];
  const size = Math.min(13, (Math.PI * r * 1.2) / chars.length);
  const span = Math.min(250, chars.length * ((size * 1.1) / (r - size)) * (180 / Math.PI));
  chars.forEach((ch, i) => {
    const a = ((90 + span / 2 - (span * (i + 0.5)) / chars.length) * Math.PI) / 180;
    const w = font.widthOfTextAtSize(ch, size);
    const rr = r - size - 3;
    // Baseline tangent to the circle; shift back half a glyph along it so the glyph is centred.
    const x = cx + rr * Math.cos(a) - (w / 2) * Math.sin(a);
    const y = cy + rr * Math.sin(a) + (w / 2) * Math.cos(a);
    page.drawText(ch, { x, y, size, font, color: RED, rotate: degrees((a * 180) / Math.PI - 90), opacity: 0.85 });
  });
  const star = Array.from({ length: 10 }, (_, k) => {
    const rad = k % 2 === 0 ? 15 : 6;
    const a = Math.PI / 2 + (k * Math.PI) / 5;
    return `${k === 0 ? 'M' : 'L'} ${(rad * Math.cos(a)).toFixed(2)} ${(-rad * Math.sin(a)).toFixed(2)}`;
  }).join(' ') + ' Z';
  page.drawSvgPath(star, { x: cx, y: cy + 4, color: RED, opacity: 0.85 });
  const label = '法律文书专用章';
  page.drawText(label, { x: cx - font.widthOfTextAtSize(label, 7) / 2, y: cy - 26, size: 7, font, color: RED, opacity: 0.85 });
}

export interface RenderInput {
  facts: DocumentFactsT;
  template: Template;
  stills: Still[];
  /** Content hash of the facts, printed and put in the QR link. */
  contentSha256: string;
  verifyUrl: string;
  font: { path: string; face: string };
}

/** The unsigned document (the signer adds its placeholder to the returned PDFDocument). */
export async function renderDocument(r: RenderInput): Promise<PDFDocument> {
  const { facts: f, template: t } = r;
  const doc = await PDFDocument.create();
  doc.registerFontkit(faceOf(r.font.face));
  const font = await doc.embedFont(fontBytes(r.font.path), { subset: true });
  doc.setTitle(`${t.title} ${f.docNo}`);
  doc.setAuthor(f.bureau.name);
  doc.setSubject(t.title);
  doc.setCreator('Huiyan 慧眼');
  doc.setProducer('Huiyan 慧眼 (pdf-lib)');
  doc.setLanguage('zh-CN');
  doc.setCreationDate(new Date(f.issuedAt));
  doc.setModificationDate(new Date(f.issuedAt));
  doc.setKeywords([`${DOC_NO_KEYWORD}${f.docNo}`]);

  const w = new Writer(doc, font);
  w.text(f.bureau.name, { size: 20, align: 'center', color: RED, gap: 2 });
  w.text(t.title, { size: 22, align: 'center', gap: 2 });
  w.text(f.docNo, { size: 11, align: 'right', gap: 4 });
  w.page.drawLine({ start: { x: MARGIN, y: w.y + 4 }, end: { x: A4[0] - MARGIN, y: w.y + 4 }, thickness: 1.2, color: RED });
  w.y -= 8;
  for (const l of partyLines(f)) w.text(l, { gap: 0 });
  w.y -= 6;
  w.text(factLine(f), { indent: 22 });

  // The stills side by side, each with its role and full sha256 under it.
  const n = Math.max(1, r.stills.length);
  const gap = 10;
  const cw = (w.width - gap * (n - 1)) / n;
  const images = await Promise.all(r.stills.map((s) => doc.embedJpg(s.jpeg)));
  const ih = Math.max(...images.map((im) => (cw / im.width) * im.height), 0);
  w.need(ih + 40);
  images.forEach((im, i) => {
    const x = MARGIN + i * (cw + gap);
    const h = (cw / im.width) * im.height;
    w.page.drawImage(im, { x, y: w.y - h, width: cw, height: h });
    const s = r.stills[i]!;
    const cap = [`${stillCaption(s.role)} · ${s.name}`, `SHA-256 ${s.sha256.slice(0, 32)}`, s.sha256.slice(32)];
    cap.forEach((c, k) => w.page.drawText(c, { x, y: w.y - ih - 9 - k * 8, size: 6, font, color: INK }));
  });
  w.y -= ih + 36;

  for (const p of t.closing(f)) w.text(p, { indent: 22 });

  // Issuer, date and seal at the right; the QR code at the left.
  w.need(130);
  const top = w.y;
  const issuer = f.bureau.name;
  const date = bureauTime(f.issuedAt, 'day');
  const rx = A4[0] - MARGIN - 150;
  w.page.drawText(issuer, { x: rx + 75 - font.widthOfTextAtSize(issuer, 12) / 2, y: top - 50, size: 12, font, color: INK });
  w.page.drawText(date, { x: rx + 75 - font.widthOfTextAtSize(date, 12) / 2, y: top - 70, size: 12, font, color: INK });
  drawSeal(w.page, font, issuer, rx + 75, top - 55);
  const qr = await doc.embedPng(await QRCode.toBuffer(r.verifyUrl, { type: 'png', errorCorrectionLevel: 'M', margin: 1, scale: 4 }));
  w.page.drawImage(qr, { x: MARGIN, y: top - 100, width: 90, height: 90 });
  const hints = ['扫码核验文书真伪', `文书编号 ${f.docNo}`, `校验码 ${r.contentSha256.slice(0, 32)}`, f.review ? `审核人 ${actorName(f.review.reviewer)}` : '限时整改 · 自动签发'];
  hints.forEach((l, k) => w.page.drawText(l, { x: MARGIN + 96, y: top - 30 - k * 11, size: 7, font, color: INK }));
  w.y = top - 120;
  return doc;
}
