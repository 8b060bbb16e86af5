// A short H.264 MP4 made from the evidence JPEGs with ffmpeg, for reviewers who want to see
// the movement around the violation. The JPEGs themselves remain the primary evidence.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface ClipOptions {
  /** Frames per second of the clip; default: derived from the capture times. */
  fps?: number;
  ffmpegPath?: string;
  /** Encoder threads; 1 keeps a busy appliance responsive. */
  threads?: number;
}

export function clipFps(capturedAt: number[]): number {
  if (capturedAt.length < 2) return 1;
  const steps = capturedAt.slice(1).map((t, i) => t - capturedAt[i]).filter((d) => d > 0).sort((a, b) => a - b);
  const median = steps[Math.floor(steps.length / 2)] ?? 1000;
  return Math.min(30, Math.max(0.5, 1000 / median));
}

/** Encodes `jpegs` (same size, in order) into an MP4 and returns its bytes. */
export async function makeClip(jpegs: Buffer[], opts: ClipOptions = {}): Promise<Buffer> {
  if (jpegs.length === 0) throw new Error('makeClip: no frames');
  const dir = await mkdtemp(path.join(tmpdir(), 'huiyan-clip-'));
  const out = path.join(dir, 'clip.mp4');
  try {
    const args = [
      '-hide_banner', '-loglevel', 'error', '-nostdin',
      '-f', 'image2pipe', '-framerate', String(opts.fps ?? 2), '-c:v', 'mjpeg', '-i', 'pipe:0',
      '-vf', 'scale=trunc(iw/2)*2:trunc(ih/2)*2',
      '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '28', '-pix_fmt', 'yuv420p',
      '-threads', String(opts.threads ?? 1), '-movflags', '+faststart', '-y', out,
    ];
    const proc = spawn(opts.ffmpegPath ?? 'ffmpeg', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    const done = new Promise<void>((resolve, reject) => {
      proc.on('error', reject);
      proc.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}: ${stderr.trim()}`))));
    });
    proc.stdin.on('error', () => {}); // ffmpeg dying early surfaces through `done`
    for (const j of jpegs) {
      if (!proc.stdin.write(j)) await Promise.race([new Promise((r) => proc.stdin.once('drain', r)), done]);
    }
    proc.stdin.end();
    await done;
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
