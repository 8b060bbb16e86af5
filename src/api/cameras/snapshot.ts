// A still from the camera's source with ffmpeg, for when no ring buffer holds a fresh frame
// (the API runs without the ingest workers, or the camera is rotated out by the patrol).
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { CameraConfig } from '../../config/schema.ts';
import { PROJECT_ROOT } from '../../inference/manifest.ts';
import { rtspUrl } from '../../ingest/sources.ts';

export function grabStill(cam: CameraConfig, timeoutMs = 15_000): Promise<Buffer | null> {
  const src = cam.source;
  let input: string[];
  if (src.kind === 'file') input = ['-ss', '1', '-i', path.resolve(PROJECT_ROOT, src.path)];
  // The URL ffmpeg opens, with the credentials of user/password fields (src.url has none then).
  else if (src.kind === 'rtsp') input = ['-rtsp_transport', src.transport, '-timeout', String(timeoutMs * 1000), '-i', rtspUrl(src)];
  else return Promise.resolve(null); // GB28181 stills come from the ring buffer only
  return new Promise((resolve) => {
    const ff = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...input, '-frames:v', '1', '-f', 'image2pipe', '-vcodec', 'mjpeg', '-q:v', '4', '-'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => ff.kill('SIGKILL'), timeoutMs);
    ff.stdout.on('data', (d: Buffer) => chunks.push(d));
    ff.on('close', (code) => {
      clearTimeout(timer);
      resolve(code === 0 && chunks.length ? Buffer.concat(chunks) : null);
    });
    ff.on('error', () => {
      clearTimeout(timer);
      resolve(null);
    });
  });
}
