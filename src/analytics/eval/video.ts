// Sampled frames of a video file as packed BGR, through ffmpeg (for evaluation and tests;
// live cameras come through src/ingest).
import { spawn } from 'node:child_process';
import type { BgrImage } from '../../ingest/types.ts';

export interface VideoFrame {
  /** Seconds from the start of the (looped) clip. */
  t: number;
  image: BgrImage;
}

export interface ReadVideoOptions {
  fps: number;
  /** Extra plays of the clip after the first (ffmpeg -stream_loop). */
  loops?: number;
  /** ffmpeg filters applied before sampling, e.g. a crop and scale ("zoomed camera"). */
  filter?: string;
  width: number;
  height: number;
}

export async function* readVideo(file: string, o: ReadVideoOptions): AsyncGenerator<VideoFrame> {
  const vf = [o.filter, `fps=${o.fps}`, `scale=${o.width}:${o.height}`].filter(Boolean).join(',');
  const args = ['-v', 'error', '-stream_loop', String(o.loops ?? 0), '-i', file, '-vf', vf, '-f', 'rawvideo', '-pix_fmt', 'bgr24', 'pipe:1'];
  const ff = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  ff.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const size = o.width * o.height * 3;
  let pending = Buffer.alloc(0);
  let n = 0;
  try {
    for await (const chunk of ff.stdout) {
      pending = Buffer.concat([pending, chunk as Buffer]);
      while (pending.length >= size) {
        const data = Buffer.from(pending.subarray(0, size));
        pending = pending.subarray(size);
        yield { t: n++ / o.fps, image: { data, width: o.width, height: o.height } };
      }
    }
  } finally {
    if (ff.exitCode === null) ff.kill('SIGKILL');
  }
  const code = ff.exitCode ?? (await new Promise<number | null>((r) => ff.once('close', r)));
  if (code !== 0 && code !== null && n === 0) throw new Error(`ffmpeg failed on ${file}: ${stderr.trim()}`);
}
