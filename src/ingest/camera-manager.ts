// Runs one FrameSource per wanted camera and follows the camera directory (streams-config/)
// while running: cameras added, changed or removed start, restart or stop without touching
// the others. Which cameras run can be narrowed (leases, patrol) with setActive().
import { EventEmitter } from 'node:events';
import type { CameraConfig } from '../config/schema.ts';
import { CameraDirectory, type DirectoryChange } from '../config/directory.ts';
import type { Frame, FrameSource, SourceHealth } from './types.ts';
import { createSource, type SourceTuning } from './sources.ts';
import { FrameRingBuffer } from './ring-buffer.ts';
import { createLogger, type Logger } from '../util/log.ts';

export interface CameraManagerOptions {
  /** The process's shared camera directory; or a folder, for a directory of the manager's own. */
  directory?: CameraDirectory;
  configDir?: string;
  tuning?: SourceTuning;
  ring?: FrameRingBuffer;
  /** Quiet time after the last file event before reloading (editors write in bursts). */
  debounceMs?: number;
  makeSource?: (camera: CameraConfig, tuning: SourceTuning) => FrameSource;
  log?: Logger;
}

export type ReloadResult = DirectoryChange;

export class CameraManager extends EventEmitter {
  /** Where camera configs come from (last good one of each camera). */
  readonly directory: CameraDirectory;
  private readonly ownsDirectory: boolean;
  /** A running source was built from exactly this config object (the directory keeps unchanged ones). */
  private readonly sources = new Map<string, { source: FrameSource; cam: CameraConfig }>();
  private active?: Set<string>;
  private applying: Promise<void> = Promise.resolve();
  private readonly onChange = (c: DirectoryChange) => {
    for (const id of c.removed) this.ring.drop(id);
    void this.apply();
    this.emit('reload', c);
  };
  private stopped = false;
  readonly ring: FrameRingBuffer;
  private readonly log: Logger;

  constructor(private readonly opts: CameraManagerOptions) {
    super();
    this.ring = opts.ring ?? new FrameRingBuffer();
    this.log = opts.log ?? createLogger({ stage: 'ingest', part: 'camera-manager' });
    if (!opts.directory && !opts.configDir) throw new Error('CameraManager needs a directory or a configDir');
    this.ownsDirectory = !opts.directory;
    this.directory = opts.directory ?? new CameraDirectory({ dir: opts.configDir!, debounceMs: opts.debounceMs, log: this.log });
    this.directory.on('change', this.onChange);
  }

  /** Loads (or joins) the directory, follows it, and starts the wanted cameras. */
  async start(): Promise<ReloadResult> {
    this.stopped = false;
    const r = await this.directory.start();
    await this.apply();
    return r;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.directory.off('change', this.onChange);
    if (this.ownsDirectory) await this.directory.stop();
    await this.applying;
    await Promise.all([...this.sources.keys()].map((id) => this.stopSource(id)));
  }

  /** Re-reads the folder now and applies the difference. */
  async reload(): Promise<ReloadResult> {
    const r = await this.directory.reload();
    await this.apply();
    return r;
  }

  /** Only these cameras run (undefined: every enabled camera). */
  async setActive(ids: Iterable<string> | undefined): Promise<void> {
    this.active = ids ? new Set(ids) : undefined;
    await this.apply();
  }

  /** Serialised so that a camera being stopped is never started again before it is gone. */
  private apply(): Promise<void> {
    const next = this.applying.then(() => this.applyNow());
    this.applying = next.catch((e) => this.log.error('apply failed', { error: (e as Error).message }));
    return next;
  }

  cameras(): CameraConfig[] {
    return this.directory.list();
  }

  /** One camera's current config (what the frame path looks up per sample). */
  camera(id: string): CameraConfig | undefined {
    return this.directory.get(id);
  }

  source(cameraId: string): FrameSource | undefined {
    return this.sources.get(cameraId)?.source;
  }

  health(): SourceHealth[] {
    return [...this.sources.values()].map((s) => s.source.health());
  }

  /** Starts, restarts and stops sources so that running = wanted. */
  private async applyNow(): Promise<void> {
    if (this.stopped) return;
    const wanted = new Map<string, CameraConfig>();
    for (const cam of this.directory.list()) {
      if (cam.enabled && (!this.active || this.active.has(cam.id))) wanted.set(cam.id, cam);
    }
    const stops: Promise<void>[] = [];
    for (const [id, s] of this.sources) {
      if (wanted.get(id) !== s.cam) stops.push(this.stopSource(id));
    }
    await Promise.all(stops);
    for (const [id, w] of wanted) {
      if (this.sources.has(id)) continue;
      let source: FrameSource;
      try {
        source = (this.opts.makeSource ?? createSource)(w, this.opts.tuning ?? {});
      } catch (e) {
        this.log.error('cannot create source', { cameraId: id, error: (e as Error).message });
        continue;
      }
      this.sources.set(id, { source, cam: w });
      const emitter = source as unknown as EventEmitter;
      if (typeof emitter.on === 'function') emitter.on('state', (s: unknown) => this.emit('state', id, s));
      source.start();
      void this.pump(id, source);
      this.emit('started', id);
    }
  }

  /** The consumer of every source, whatever its kind: frames → ring buffer → 'frame' listeners. */
  private async pump(id: string, source: FrameSource): Promise<void> {
    try {
      for await (const f of source.frames()) {
        this.ring.push(f);
        this.emit('frame', f);
      }
    } catch (e) {
      this.log.error('frame consumer failed', { cameraId: id, error: (e as Error).message });
    }
  }

  private async stopSource(id: string): Promise<void> {
    const s = this.sources.get(id);
    if (!s) return;
    this.sources.delete(id);
    await s.source.stop();
    this.emit('stopped', id);
  }
}
