// Every image shown to a person carries who looked at it and when, tiled across the picture
// so cropping one corner does not remove it. Originals are never altered.
import sharp from 'sharp';

const escapeXml = (s: string) =>
  s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);

/** Beijing time, which is what the bureau's paperwork uses. */
export function stampTime(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().replace('T', ' ').slice(0, 19) + ' UTC+8';
}

export async function watermark(image: Buffer, viewer: string, at = new Date()): Promise<Buffer> {
  const img = sharp(image);
  const meta = await img.metadata();
  const width = meta.width ?? 640;
  const height = meta.height ?? 480;
  const text = escapeXml(`${viewer} · ${stampTime(at)}`);
  const size = Math.max(12, Math.round(Math.min(width, height) / 28));
  const stepX = size * 22;
  const stepY = size * 6;
  const rows: string[] = [];
  for (let y = size * 2, row = 0; y < height + stepY; y += stepY, row++) {
    for (let x = (row % 2) * (stepX / 2) - stepX / 2; x < width; x += stepX) {
      rows.push(`<text x="${x}" y="${y}" transform="rotate(-18 ${x} ${y})">${text}</text>`);
    }
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
  <g font-family="Droid Sans Fallback, Noto Sans CJK SC, sans-serif" font-size="${size}"
     fill="#ffffff" fill-opacity="0.28" stroke="#000000" stroke-opacity="0.18" stroke-width="1">${rows.join('')}</g>
  <rect x="0" y="${height - size * 1.8}" width="${width}" height="${size * 1.8}" fill="#000" fill-opacity="0.45"/>
  <text x="${size / 2}" y="${height - size * 0.5}" font-family="Droid Sans Fallback, sans-serif" font-size="${size}" fill="#fff">${text}</text>
</svg>`;
  return img.composite([{ input: Buffer.from(svg), top: 0, left: 0 }]).jpeg({ quality: 85 }).toBuffer();
}
