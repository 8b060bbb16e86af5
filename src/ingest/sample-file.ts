// The one ffmpeg sampler, for offline use: `huiyan analyze`, the evaluation tools and benchmarks
// read video files through the same FfmpegFrameReader as live cameras (same sampling filter,
// display rotation applied, aspect kept, size changes followed), without the evidence JPEG and
// without ever dropping a sample (ffmpeg waits for the consumer).
import type { BgrImage } from './types.ts';
import type { PlanarGbrImage } from '../inference/preprocess.ts';
import { FfmpegFrameReader, type SamplePixFmt } from './ffmpeg-reader.ts';

export interface SampleFileOptions {
  /** Samples per second of video. */
  fps: number;
  /** The box each sample is scaled to fit (aspect kept, upright after display rotation). */
  width: number;
  height: number;
  /** Stop after this many seconds of input. */
  maxSeconds?: number;
  /** Extra plays of the clip after the first (ffmpeg -stream_loop). */
  loops?: number;
  /** ffmpeg filters applied before sampling, e.g. a crop and scale ("zoomed camera"). */
  filter?: string;
  pixFmt?: SamplePixFmt;
}

export interface FileSample<I> {
  /** Seconds on the file's timeline. */
  t: number;
  image: I;
  /** Upright full-resolution size of the picture the sample came from. */
  sourceWidth: number;
  sourceHeight: number;
}

/** Samples of a video file; breaking out of the loop stops ffmpeg. Throws with ffmpeg's reason on failure. */
export function sampleFile(file: string, o: SampleFileOptions & { pixFmt?: 'bgr24' }): AsyncGenerator<FileSample<BgrImage>>;
export function sampleFile(file: string, o: SampleFileOptions & { pixFmt: 'gbrp' }): AsyncGenerator<FileSample<PlanarGbrImage>>;
export async function* sampleFile(file: string, o: SampleFileOptions): AsyncGenerator<FileSample<BgrImage | PlanarGbrImage>> {
  const inputArgs = [...(o.loops ? ['-stream_loop', String(o.loops)] : []), ...(o.maxSeconds ? ['-t', String(o.maxSeconds)] : [])];
  const reader = new FfmpegFrameReader({
    cameraId: file, input: { url: file, inputArgs }, fps: o.fps, detectorWidth: o.width, detectorHeight: o.height,
    jpeg: false, preFilter: o.filter, pixFmt: o.pixFmt, lossless: true, maxQueue: 4,
  });
  reader.start();
  try {
    for await (const f of reader.frames()) {
      const image = o.pixFmt === 'gbrp' ? { format: 'gbrp' as const, ...f.bgr } : f.bgr;
      yield { t: f.pts, image, sourceWidth: f.sourceWidth, sourceHeight: f.sourceHeight };
    }
    const exit = await reader.exited;
    if (exit.reason !== 'stream ended') throw new Error(`ffmpeg ${file}: ${exit.reason}: ${exit.stderrTail.slice(-2).join(' ')}`);
  } finally {
    await reader.stop(500);
  }
}
