// What ingest hands to the rest of the pipeline: one sampled frame of one camera.

export type { BgrImage, Frame } from '../contracts/frame.ts';
import type { Frame } from '../contracts/frame.ts';

export type CameraState = 'connecting' | 'live' | 'stalled' | 'down' | 'stopped';

export interface SourceHealth {
  cameraId: string;
  state: CameraState;
  since: number;
  lastFrameAt?: number;
  framesTotal: number;
  reconnects: number;
  lastError?: string;
}

/** Every source protocol (RTSP, file, GB28181) implements this. */
export interface FrameSource {
  readonly cameraId: string;
  start(): void;
  stop(): Promise<void>;
  health(): SourceHealth;
  frames(): AsyncIterable<Frame>;
}
