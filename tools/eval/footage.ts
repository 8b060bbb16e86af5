// Demo footage: the labelled composites of tools/eval (a vendor stall held in a vtest
// view, a small-ad poster on the vtest facade) rendered once into H.264 files, so the demo and
// the end-to-end test watch video that really contains a violation. Composites, labelled so.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import type { EvalCase } from './cases.ts';

/** Encodes a case's samples (fixed sample rate) as H.264 with a short GOP, for RTSP and files. */
export async function renderCase(c: EvalCase, file: string, sampleFps: number, outFps = 10): Promise<string> {
  if (existsSync(file)) return file;
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.part.mp4`;
  let ff: ChildProcessByStdio<Writable, null, Readable> | undefined;
  let closed: Promise<number | null> = Promise.resolve(null);
  let stderr = '';
  for await (const s of c.samples()) {
    if (!ff) {
      ff = spawn('ffmpeg', ['-y', '-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'bgr24', '-s', `${s.image.width}x${s.image.height}`,
        '-r', String(sampleFps), '-i', 'pipe:0', '-vf', `fps=${outFps}`, '-c:v', 'libx264', '-preset', 'veryfast',
        '-pix_fmt', 'yuv420p', '-g', String(outFps), '-x264-params', 'repeat-headers=1', tmp], { stdio: ['pipe', 'ignore', 'pipe'] });
      const proc = ff;
      proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      closed = new Promise((resolve) => proc.once('close', resolve));
    }
    if (!ff.stdin.write(s.image.data)) await new Promise((r) => ff!.stdin.once('drain', r));
  }
  if (!ff) throw new Error(`case "${c.name}" yielded no frames`);
  ff.stdin.end();
  const code = await closed;
  if (code !== 0) throw new Error(`ffmpeg could not encode ${file}: ${stderr.trim()}`);
  await rename(tmp, file);
  return file;
}
