// Builds the FrameSource for a configured camera. RTSP and files are ffmpeg inputs; other
// kinds (GB28181) register a factory here so this module does not depend on them.
import path from 'node:path';
import type { CameraConfig } from '../config/schema.ts';
import { PROJECT_ROOT } from '../inference/manifest.ts';
import type { FrameSource } from './types.ts';
import type { SourceRunner } from './supervisor.ts';
import { registerSecret, withCredentials } from './credentials.ts';
import { FfmpegRunner, type StartAt } from './ffmpeg-source.ts';
import { SourceSupervisor, type BackoffOptions, type SupervisorOptions, type WatchdogOptions } from './supervisor.ts';
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

/**
 * ffmpeg input options for an RTSP camera. `-timeout` (µs, ffmpeg 5.1) is the socket I/O timeout
 * (`-stimeout` no longer exists). The probe keeps ffmpeg's defaults. A 32 KiB probe let a
 * 1-frame-per-8-s camera's first sample out after ~13 s instead of ~32 s (the default probe holds
 * the first samples and releases them together), but a client that connects mid-GOP then ends
 * its probe before any decodable frame ("missing picture in access unit", "Cannot determine
 * format of input stream"): in two runs of 8 connects to the demo's looping RTSP camera the 5th
 * and the 3rd failed that way (and that server served no later client), none of 16 with the defaults. A camera that never connects is worse
 * than a slow first frame (the connect bound, 45 s, covers ~32 s). Slice threads alone changed nothing.
 * (That sample server deadlocked now and then on its own — fixed since, see rtsp-server.py — so
 * those failures may not have been the probe's; the small probe has not been measured again.)
 */
export function rtspInputArgs(transport: 'tcp' | 'udp', timeoutMs: number): string[] {
  return ['-rtsp_transport', transport, '-timeout', String(timeoutMs * 1000)];
}

/** Supervisor settings for a camera: the deployment's tuning with the camera's own watchdog bounds over it. */
export function supervisorOptions(camera: CameraConfig, tuning: SourceTuning): SupervisorOptions {
  const w = camera.watchdog;
  const own = {
    ...(w?.stallSeconds ? { stallMs: w.stallSeconds * 1000 } : {}),
    ...(w?.maxStallSeconds ? { maxStallMs: w.maxStallSeconds * 1000 } : {}),
    ...(w?.connectSeconds ? { connectMs: w.connectSeconds * 1000 } : {}),
  };
  return { cameraId: camera.id, watchdog: { ...tuning.watchdog, ...own }, backoff: tuning.backoff, log: tuning.log };
}

/** The supervisor every kind runs under. */
export function supervise<D extends object>(camera: CameraConfig, runner: SourceRunner<D>, tuning: SourceTuning): SourceSupervisor<D> {
  return new SourceSupervisor(runner, supervisorOptions(camera, tuning));
}

/** The URL ffmpeg opens: credentials from user/password (or their env vars) percent-encoded in. */
export function rtspUrl(src: Extract<CameraConfig['source'], { kind: 'rtsp' }>): string {
  const user = src.user ?? (src.userEnv ? process.env[src.userEnv] : undefined);
  const password = src.password ?? (src.passwordEnv ? process.env[src.passwordEnv] : undefined);
  if (src.passwordEnv && password === undefined) throw new Error(`environment variable ${src.passwordEnv} (source.passwordEnv) is not set`);
  registerSecret(password);
  // A password written into the URL itself is masked too.
  const inUrl = /^[^/]*\/\/[^/@]*:([^/@]*)@/.exec(src.url)?.[1];
  if (inUrl) registerSecret(decodeURIComponentSafe(inUrl));
  if (inUrl) registerSecret(inUrl);
  if (user === undefined && password === undefined) return src.url;
  return withCredentials(src.url, user ?? '', password ?? '');
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * ffmpeg input options that start a recording where it left off. Transport/program streams are
 * entered at the sample's byte offset (their timestamps may jump back where recordings were
 * concatenated, so a time seek can land in the wrong part); other containers seek by time.
 */
export function resumeArgs(file: string, at: StartAt | undefined): string[] {
  if (!at) return [];
  if (at.pos !== undefined && /\.(ts|m2ts|mts|ps|mpg|mpeg|vob)$/i.test(file)) return ['-skip_initial_bytes', String(at.pos)];
  return ['-ss', at.pts.toFixed(3)];
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
  };
  if (src.kind === 'rtsp') {
    const url = rtspUrl(src);
    const inputArgs = rtspInputArgs(src.transport, tuning.rtspTimeoutMs ?? 5000);
    return supervise(camera, new FfmpegRunner({ ...common, input: () => ({ url, inputArgs }), probe: { url, inputArgs } }), tuning);
  }
  if (src.kind === 'file') {
    const file = path.resolve(tuning.baseDir ?? PROJECT_ROOT, src.path);
    const loop = src.loop ? ['-stream_loop', '-1'] : [];
    const runner = new FfmpegRunner({
      ...common,
      // Paced by the runner (not -re), so that gaps in the recording are played through.
      input: (_ctx, startAt) => ({ url: file, inputArgs: [...loop, ...resumeArgs(file, startAt)] }),
      probe: { url: file, inputArgs: [] },
      recording: { realtime: src.realtime, resume: !src.loop },
      endIsFinal: !src.loop,
    });
    return supervise(camera, runner, tuning);
  }
  const factory = extra.get(src.kind);
  if (!factory) throw new Error(`no source registered for kind ${src.kind} (camera ${camera.id})`);
  return factory(camera, tuning);
}
