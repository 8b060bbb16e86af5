// Test fixtures: real frames decoded by ffmpeg straight to raw bgr24 (no JPEG round trip).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/inference/manifest.ts';
import type { BgrImage } from '../../src/ingest/types.ts';

export const SHARED_DATA = path.resolve(PROJECT_ROOT, '../shared/data');
export const VTEST = path.join(SHARED_DATA, 'vtest.avi');
export const VTEST_SIZE = { width: 768, height: 576 };

/** One frame at `seconds`, scaled to width×height (or through `filter`, which must yield that size). */
export function decodeFrame(file: string, seconds: number, width: number, height: number, filter?: string): Promise<BgrImage> {
  return new Promise((resolve, reject) => {
    // No -ss for 0: on a still image ffmpeg then emits nothing.
    const args = ['-v', 'error', ...(seconds > 0 ? ['-ss', String(seconds)] : []), '-i', file, '-frames:v', '1',
      '-vf', filter ?? `scale=${width}:${height}`, '-f', 'rawvideo', '-pix_fmt', 'bgr24', 'pipe:1'];
    const p = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (c: Buffer) => chunks.push(c));
    p.stderr.on('data', (c: Buffer) => (err += c));
    p.on('error', reject);
    p.on('close', (code) => {
      const data = Buffer.concat(chunks);
      if (code !== 0 || data.length !== width * height * 3) {
        reject(new Error(`ffmpeg exited ${code} with ${data.length} bytes: ${err}`));
      } else resolve({ data, width, height });
    });
  });
}

/** vtest.avi frames at the given times, at native resolution (768×576). */
export async function vtestFrames(times: number[], size = VTEST_SIZE): Promise<BgrImage[]> {
  const out: BgrImage[] = [];
  for (const t of times) out.push(await decodeFrame(VTEST, t, size.width, size.height));
  return out;
}

/** Raw bytes of one frame in any ffmpeg pixel format (e.g. gbrp), width×height. */
export function decodeFrameAs(file: string, seconds: number, width: number, height: number, pixFmt: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const args = ['-v', 'error', '-ss', String(seconds), '-i', file, '-frames:v', '1',
      '-vf', `scale=${width}:${height}`, '-f', 'rawvideo', '-pix_fmt', pixFmt, 'pipe:1'];
    const p = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    p.stdout.on('data', (c: Buffer) => chunks.push(c));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`ffmpeg exited ${code}`))));
  });
}
