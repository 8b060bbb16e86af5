// A GB28181 channel as a SourceRunner: one attempt = one play (INVITE → PS over RTP → ffmpeg on
// stdin) until the device hangs up, the media stops or the decoder fails. The SourceSupervisor
// around it owns the watchdog, back-off and state, as for every other source kind.
import type { CameraConfig } from '../../config/schema.ts';
import type { Frame } from '../types.ts';
import { FfmpegFrameReader } from '../ffmpeg-reader.ts';
import { SourceSupervisor, type RunContext, type SourceRunner, type SupervisorOptions } from '../supervisor.ts';
import type { Gb28181Server } from './server.ts';
import { Play, type PlayStats } from './play.ts';
import type { PortPool } from './rtp/receiver.ts';

export interface Gb28181SourceOptions {
  detectorWidth?: number;
  detectorHeight?: number;
  jpegQuality?: number;
}

export interface Gb28181Details {
  deviceId: string;
  channelId: string;
  pid?: number;
  play: PlayStats;
}

export class Gb28181Runner implements SourceRunner<Gb28181Details> {
  readonly stats: PlayStats = { invites: 0, reinvites: 0, droppedBytes: 0 };
  /** The last stream map, kept across decoders and plays. */
  private readonly memory: { psm?: Buffer } = {};
  private reader?: FfmpegFrameReader;

  constructor(private readonly camera: CameraConfig, private readonly server: Gb28181Server, private readonly pool: PortPool, private readonly opts: Gb28181SourceOptions = {}) {
    if (camera.source.kind !== 'gb28181') throw new Error(`camera ${camera.id} is not a gb28181 source`);
  }

  get source() {
    return this.camera.source as Extract<CameraConfig['source'], { kind: 'gb28181' }>;
  }

  details(): Gb28181Details {
    return { deviceId: this.source.deviceId, channelId: this.source.channelId, pid: this.reader?.running ? this.reader.pid : undefined, play: this.stats };
  }

  async *run(ctx: RunContext): AsyncGenerator<Frame> {
    const { deviceId, channelId, transport } = this.source;
    if (this.stats.invites > 0) this.stats.reinvites++;
    const play = new Play(this.server, this.pool, { deviceId, channelId, transport }, this.stats, this.memory);
    try {
      try {
        await play.start(ctx.signal);
      } catch (e) {
        this.stats.lastError = (e as Error).message;
        if (/does not complement/.test(this.stats.lastError)) ctx.log.warn('GB28181 answer refused, BYE sent', { deviceId, channelId, reason: this.stats.lastError });
        throw e;
      }
      ctx.started();
      const ended = play.ended!;
      let why: string | undefined;
      void ended.then((r) => {
        why = r;
        void this.reader?.stop(ctx.killGraceMs);
      });
      for (;;) {
        const reader = new FfmpegFrameReader({
          cameraId: this.camera.id,
          // Small probe so the first frame comes fast; the PSM names the codec anyway.
          input: { stdin: play.openSink(), inputArgs: ['-f', 'mpeg', '-probesize', '262144', '-analyzeduration', '1000000'] },
          fps: this.camera.sampling.fps,
          keyframesOnly: this.camera.sampling.keyframesOnly === true,
          detectorWidth: this.opts.detectorWidth,
          detectorHeight: this.opts.detectorHeight,
          jpegQuality: this.opts.jpegQuality,
          seqStart: ctx.seqStart,
          maxQueue: 1,
        });
        this.reader = reader;
        const onAbort = () => void reader.stop(ctx.killGraceMs);
        ctx.signal.addEventListener('abort', onAbort, { once: true });
        try {
          reader.start();
          if (why) void reader.stop(ctx.killGraceMs);
          for await (const f of reader.frames()) {
            ctx.seqStart = f.seq + 1;
            yield f;
          }
          const exit = await reader.exited;
          if (ctx.signal.aborted) return;
          if (why) throw new Error(why);
          // The picture size changed: a fresh decoder in the same play (it gets the stream map).
          if (exit.resumeAt !== undefined) continue;
          throw new Error(`ffmpeg: ${exit.reason}`);
        } finally {
          ctx.signal.removeEventListener('abort', onAbort);
          await reader.stop(ctx.killGraceMs);
        }
      }
    } catch (e) {
      this.stats.lastError = (e as Error).message;
      throw e;
    } finally {
      await play.close();
    }
  }
}

/** The supervised GB28181 source; `playStats()` gives the SIP/RTP/PS counters. */
export class Gb28181Source extends SourceSupervisor<Gb28181Details> {
  constructor(private readonly gbRunner: Gb28181Runner, opts: SupervisorOptions) {
    super(gbRunner, opts);
  }

  get deviceId(): string {
    return this.gbRunner.source.deviceId;
  }

  playStats(): PlayStats {
    return this.gbRunner.stats;
  }
}
