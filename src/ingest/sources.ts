// Builds the FrameSource for a configured camera. RTSP and files are ffmpeg inputs; other
// kinds (GB28181) register a factory here so this module does not depend on them.
import path from 'node:path';
import type { CameraConfig } from '../config/schema.ts';
import { PROJECT_ROOT } from '../inference/manifest.ts';
import type { FrameSource } from './types.ts';
import { FfmpegSource, type BackoffOptions, type WatchdogOptions } from './ffmpeg-source.ts';
import type { Logger } from '../util/log.ts';

/** Knobs that are not part of the camera config (deployment- or test-wide). */
export interface SourceTuning {
  watchdog?: Partial<WatchdogOptions>;
  backoff?: Partial<BackoffOptions>;
  /** RTSP socket timeout (ffmpeg `-timeout`, given in µs to ffmpeg). Default 5 s. */
  rtspTimeoutMs?: number;
  detectorWidth?: number;
  detectorHeight?: number;
  jpegQuality?: number;
  /** Relative file paths resolve against this (default: the project root). */
  baseDir?: string;
  log?: Logger;
}

export type SourceFactory = (camera: CameraConfig, tuning: SourceTuning) => FrameSource;
const extra = new Map<string, SourceFactory>();

/** Lets another protocol (e.g. gb28181) plug in: `registerSourceKind('gb28181', make)`. */
export function registerSourceKind(kind: string, factory: SourceFactory): void {
  extra.set(kind, factory);
}

export function rtspInputArgs(transport: 'tcp' | 'udp', timeoutMs: number): string[] {
  // ffmpeg 5.1: `-timeout` (µs) is the RTSP socket I/O timeout; `-stimeout` no longer exists.
  return ['-rtsp_transport', transport, '-timeout', String(timeoutMs * 1000)];
}

export function createSource(camera: CameraConfig, tuning: SourceTuning = {}): FrameSource {
  const src = camera.source;
  const common = {
    cameraId: camera.id,
    fps: camera.sampling.fps,
    keyframesOnly: camera.sampling.keyframesOnly,
    detectorWidth: tuning.detectorWidth,
    detectorHeight: tuning.detectorHeight,
    jpegQuality: tuning.jpegQuality,
    watchdog: tuning.watchdog,
    backoff: tuning.backoff,
    log: tuning.log,
  };
  if (src.kind === 'rtsp') {
    const inputArgs = rtspInputArgs(src.transport, tuning.rtspTimeoutMs ?? 5000);
    return new FfmpegSource({ ...common, input: () => ({ url: src.url, inputArgs }), probe: { url: src.url, inputArgs } });
  }
  if (src.kind === 'file') {
    const file = path.resolve(tuning.baseDir ?? PROJECT_ROOT, src.path);
    const inputArgs = [...(src.realtime ? ['-re'] : []), ...(src.loop ? ['-stream_loop', '-1'] : [])];
    return new FfmpegSource({
      ...common,
      input: () => ({ url: file, inputArgs }),
      probe: { url: file, inputArgs: [] },
      endIsFinal: !src.loop,
    });
  }
  const factory = extra.get(src.kind);
  if (!factory) throw new Error(`no source registered for kind ${src.kind} (camera ${camera.id})`);
  return factory(camera, tuning);
}
