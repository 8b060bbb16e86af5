// ffprobe/ffmpeg helpers for the CLI: probe a file, and decode it at a sampling rate straight
// to raw bgr24 frames of a chosen size (ffmpeg scales; no JPEG round trip).
import { spawn } from 'node:child_process';
import type { BgrImage } from '../ingest/types.ts';
import type { PlanarGbrImage } from '../inference/preprocess.ts';

export interface VideoInfo {
  width: number;
  height: number;
  /** Seconds; NaN when the container does not say. */
  duration: number;
}

export function probeVideo(file: string): Promise<VideoInfo> {
  return new Promise((resolve, reject) => {
    const p = spawn('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height,duration:format=duration', '-of', 'json', file]);
    let out = '';
    let err = '';
    p.stdout.on('data', (c: Buffer) => (out += c));
    p.stderr.on('data', (c: Buffer) => (err += c));
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`ffprobe ${file}: ${err.trim() || `exit ${code}`}`));
      const j = JSON.parse(out) as { streams?: Array<{ width?: number; height?: number; duration?: string }>; format?: { duration?: string } };
      const s = j.streams?.[0];
      if (!s?.width || !s.height) return reject(new Error(`ffprobe ${file}: no video stream`));
      resolve({ width: s.width, height: s.height, duration: Number(s.duration ?? j.format?.duration ?? NaN) });
    });
  });
}

export interface DecodeOptions {
  fps: number;
  width: number;
  height: number;
  /** Stop after this many seconds of input. */
  maxSeconds?: number;
  /** Packed bgr24 (default) or planar gbrp (cheapest for the detector's pre-processing). */
  pixFmt?: 'bgr24' | 'gbrp';
}

/** Frames at `fps`, scaled to width×height. Breaking out of the loop stops ffmpeg. */
export function decodeFrames(file: string, o: DecodeOptions & { pixFmt?: 'bgr24' }): AsyncGenerator<BgrImage>;
export function decodeFrames(file: string, o: DecodeOptions & { pixFmt: 'gbrp' }): AsyncGenerator<PlanarGbrImage>;
export async function* decodeFrames(file: string, o: DecodeOptions): AsyncGenerator<BgrImage | PlanarGbrImage> {
  const pixFmt = o.pixFmt ?? 'bgr24';
  const args = ['-v', 'error', '-nostdin'];
  if (o.maxSeconds) args.push('-t', String(o.maxSeconds));
  args.push('-i', file, '-an', '-vf', `fps=${o.fps},scale=${o.width}:${o.height}`, '-f', 'rawvideo', '-pix_fmt', pixFmt, 'pipe:1');
  const p = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  p.stderr.on('data', (c: Buffer) => (err = (err + c).slice(-2000)));
  const exited = new Promise<number | null>((resolve) => p.on('close', resolve));
  const size = o.width * o.height * 3;
  let pending: Buffer[] = [];
  let have = 0;
  try {
    for await (const chunk of p.stdout as AsyncIterable<Buffer>) {
      pending.push(chunk);
      have += chunk.length;
      while (have >= size) {
        const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
        const data = Buffer.from(all.subarray(0, size));
        yield pixFmt === 'gbrp' ? { format: 'gbrp', data, width: o.width, height: o.height } : { data, width: o.width, height: o.height };
        const rest = all.subarray(size);
        pending = rest.length ? [rest] : [];
        have = rest.length;
      }
    }
    const code = await exited;
    if (code !== 0) throw new Error(`ffmpeg ${file}: ${err.trim() || `exit ${code}`}`);
  } finally {
    if (p.exitCode === null && p.signalCode === null) {
      p.kill('SIGKILL');
      await exited;
    }
  }
}
