// Draws what the system saw onto a copy of a frame: detection boxes with labels and scores,
// the rule's zone polygon, and a header strip with camera, place, rule and capture time.
// Text is SVG rendered by librsvg; fontconfig falls back to any installed CJK font
// (Noto Sans CJK, WenQuanYi, Droid Sans Fallback) and to plain sans-serif otherwise.
import sharp from 'sharp';
import type { Box } from '../inference/types.ts';
import type { PolygonT } from '../config/schema.ts';

export const RULE_NAMES: Record<string, string> = {
  vending: '占道经营',
  overflow: '垃圾满溢',
  ads: '违规广告',
  spillage: '渣土车遗撒',
  parking: '机动车违停',
  crowding: '人群聚集',
  bicycles: '非机动车乱停放',
  materials: '乱堆物料',
  outside_shop: '店外经营',
};

/** Chinese names of the detector classes drawn on boxes (officers read them); others as named by the model. */
export const CLASS_NAMES: Record<string, string> = {
  person: '行人', face: '人脸', text: '文字', umbrella: '遮阳伞', 'dining table': '桌子', chair: '椅子', bench: '长凳',
  suitcase: '箱包', 'potted plant': '盆栽', bottle: '瓶子', handbag: '手提包', backpack: '背包', bowl: '碗',
  banana: '水果', apple: '水果', orange: '水果', cup: '杯子', bicycle: '自行车', car: '汽车', motorcycle: '摩托车',
  bus: '公交车', truck: '货车', bin: '垃圾桶', garbage: '垃圾', couch: '沙发', refrigerator: '冷柜',
  materials: '堆放物料',
};

/** Names of the frame roles in a bundle (the moment of the violation, before and after it). */
export const ROLE_NAMES: Record<string, string> = { at: '发现时', before: '之前', after: '之后' };

const FONT = "'Noto Sans CJK SC','Source Han Sans SC','WenQuanYi Zen Hei','Droid Sans Fallback',sans-serif";

export interface AnnotationInput {
  detections: Array<{ box: Box; score: number; className: string; label: string }>;
  /** Normalised 0..1 polygon of the rule's zone, and its line where it has one (a shop's frontage, 店外经营). */
  zone?: { polygon: PolygonT; name?: string; line?: Array<[number, number]> };
  header: string[];
}

export function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

export function overlaySvg(width: number, height: number, a: AnnotationInput): string {
  const fs = Math.max(12, Math.round(width / 48));
  const stroke = Math.max(2, Math.round(width / 400));
  const parts: string[] = [];
  if (a.zone) {
    const pts = a.zone.polygon.map(([x, y]) => `${(x * width).toFixed(1)},${(y * height).toFixed(1)}`).join(' ');
    parts.push(`<polygon points="${pts}" fill="rgba(255,200,0,0.12)" stroke="#ffc800" stroke-width="${stroke}" stroke-dasharray="${stroke * 4},${stroke * 2}"/>`);
    if (a.zone.line) {
      const line = a.zone.line.map(([x, y]) => `${(x * width).toFixed(1)},${(y * height).toFixed(1)}`).join(' ');
      parts.push(`<polyline points="${line}" fill="none" stroke="#ff00c8" stroke-width="${stroke * 2}"/>`);
    }
  }
  for (const d of a.detections) {
    const [x1, y1, x2, y2] = d.box.map((v) => Math.round(v));
    const colour = d.label === 'person' ? '#00e0ff' : d.label === 'face' ? '#ff40ff' : '#ff3030';
    const name = CLASS_NAMES[d.className] ?? d.className;
    const text = escapeXml(`${name} ${(d.score * 100).toFixed(0)}%`);
    // CJK glyphs are about one em wide, Latin ones about 0.6.
    const em = [...name].reduce((w, ch) => w + (ch.charCodeAt(0) > 0x2e80 ? 1 : 0.62), 0) + 4 * 0.62;
    const ty = y1 - fs * 1.3 >= 0 ? y1 - fs * 1.3 : y2;
    parts.push(
      `<rect x="${x1}" y="${y1}" width="${Math.max(1, x2 - x1)}" height="${Math.max(1, y2 - y1)}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>`,
      `<rect x="${x1}" y="${ty}" width="${Math.round(em * fs + 6)}" height="${Math.round(fs * 1.3)}" fill="${colour}" fill-opacity="0.75"/>`,
      `<text x="${x1 + 3}" y="${ty + fs}" font-family="${FONT}" font-size="${fs}" fill="#000">${text}</text>`,
    );
  }
  const lineH = Math.round(fs * 1.35);
  parts.push(`<rect x="0" y="0" width="${width}" height="${lineH * a.header.length + fs * 0.4}" fill="rgba(0,0,0,0.6)"/>`);
  a.header.forEach((line, i) => {
    parts.push(`<text x="${fs * 0.4}" y="${lineH * (i + 1) - fs * 0.2}" font-family="${FONT}" font-size="${fs}" fill="#fff">${escapeXml(line)}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

/** Returns a new JPEG: `jpeg` with the overlay composited on top. */
export async function annotateJpeg(jpeg: Buffer, a: AnnotationInput, quality = 85): Promise<Buffer> {
  const meta = await sharp(jpeg).metadata();
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (!width || !height) throw new Error('annotate: frame has no size');
  const svg = Buffer.from(overlaySvg(width, height, a));
  return sharp(jpeg).composite([{ input: svg, top: 0, left: 0 }]).jpeg({ quality }).toBuffer();
}

/** Capture time as a reviewer reads it: local wall clock with its UTC offset. */
export function formatTime(ms: number, timeZone = 'Asia/Shanghai'): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'shortOffset',
  }).formatToParts(new Date(ms));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const millis = String(Math.floor(ms % 1000)).padStart(3, '0');
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')}.${millis} ${get('timeZoneName')}`;
}
