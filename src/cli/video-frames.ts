// ffprobe for the CLI: a file's duration (for the progress bar). Decoding goes through the one
// sampler, src/ingest/sample-file.ts, which also reports each sample's upright size.
import { spawn } from 'node:child_process';

export interface VideoInfo {
  /** Seconds; NaN when the container does not say. */
  duration: number;
}

/** Rejects with ffprobe's message when the file cannot be read or has no video stream. */
export function probeVideo(file: string): Promise<VideoInfo> {
  return new Promise((resolve, reject) => {
    const p = spawn('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_type,duration:format=duration', '-of', 'json', file]);
    let out = '';
    let err = '';
    p.stdout.on('data', (c: Buffer) => (out += c));
    p.stderr.on('data', (c: Buffer) => (err += c));
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`ffprobe ${file}: ${err.trim() || `exit ${code}`}`));
      const j = JSON.parse(out) as { streams?: Array<{ codec_type?: string; duration?: string }>; format?: { duration?: string } };
      const s = j.streams?.[0];
      if (s?.codec_type !== 'video') return reject(new Error(`ffprobe ${file}: no video stream`));
      resolve({ duration: Number(s.duration ?? j.format?.duration ?? NaN) });
    });
  });
}
