// Runs one FrameSource per wanted camera and follows streams-config/ while running: cameras
// added, changed or removed start, restart or stop without touching the others. A file that
// fails validation is reported and the cameras it held keep their previous good config.
// Which cameras run can be narrowed (leases, patrol) with setActive().
import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'node:fs';
import type { CameraConfig } from '../config/schema.ts';
import { loadStreamsConfig, formatIssue, type ConfigIssue } from '../config/load.ts';
import type { Frame, FrameSource, SourceHealth } from './types.ts';
import { createSource, type SourceTuning } from './sources.ts';
import { FrameRingBuffer } from './ring-buffer.ts';
import { createLogger, type Logger } from '../util/log.ts';

export interface CameraManagerOptions {
  configDir: string;
  tuning?: SourceTuning;
  ring?: FrameRingBuffer;
  /** Quiet time after the last file event before reloading (editors write in bursts). */
  debounceMs?: number;
  makeSource?: (camera: CameraConfig, tuning: SourceTuning) => FrameSource;
  log?: Logger;
}

export interface ReloadResult {
  added: string[];
  changed: string[];
  removed: string[];
  issues: ConfigIssue[];
}

export class CameraManager extends EventEmitter {
  /** The config every camera currently has (last good one). */
  private readonly configs = new Map<string, { cam: CameraConfig; file: string; key: string }>();
  private readonly sources = new Map<string, { source: FrameSource; key: string }>();
  private active?: Set<string>;
  private watcher?: FSWatcher;
  private debounce?: NodeJS.Timeout;
  private reloading: Promise<unknown> = Promise.resolve();
  private applying: Promise<void> = Promise.resolve();
  private stopped = false;
  readonly ring: FrameRingBuffer;
  private readonly log: Logger;

  constructor(private readonly opts: CameraManagerOptions) {
    super();
    this.ring = opts.ring ?? new FrameRingBuffer();
    this.log = opts.log ?? createLogger({ stage: 'ingest', part: 'camera-manager' });
  }

  async start(): Promise<ReloadResult> {
    this.stopped = false;
    const r = await this.reload();
    this.watcher = watch(this.opts.configDir, () => {
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => void this.reload(), this.opts.debounceMs ?? 300);
    });
    return r;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.close();
    clearTimeout(this.debounce);
    await this.reloading;
    await this.applying;
    await Promise.all([...this.sources.keys()].map((id) => this.stopSource(id)));
  }

  /** Re-reads the folder and applies the difference. Serialised: one reload at a time. */
  reload(): Promise<ReloadResult> {
    const next = this.reloading.then(() => this.doReload());
    this.reloading = next.catch(() => undefined);
    return next;
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
    return [...this.configs.values()].map((c) => c.cam);
  }

  source(cameraId: string): FrameSource | undefined {
    return this.sources.get(cameraId)?.source;
  }

  health(): SourceHealth[] {
    return [...this.sources.values()].map((s) => s.source.health());
  }

  private async doReload(): Promise<ReloadResult> {
    const loaded = await loadStreamsConfig(this.opts.configDir);
    const badFiles = new Set(loaded.issues.map((i) => i.file));
    for (const i of loaded.issues) this.log.warn('config issue', { issue: formatIssue(i) });
    const next = new Map<string, { cam: CameraConfig; file: string; key: string }>();
    for (const cam of loaded.cameras) {
      next.set(cam.id, { cam, file: loaded.sourceFile.get(cam.id)!, key: JSON.stringify(cam) });
    }
    // A camera that vanished from a file with errors is most likely the broken one: keep it.
    for (const [id, prev] of this.configs) {
      if (!next.has(id) && badFiles.has(prev.file)) next.set(id, prev);
    }
    const result: ReloadResult = { added: [], changed: [], removed: [], issues: loaded.issues };
    for (const [id, c] of next) {
      const prev = this.configs.get(id);
      if (!prev) result.added.push(id);
      else if (prev.key !== c.key) result.changed.push(id);
    }
    for (const id of this.configs.keys()) if (!next.has(id)) result.removed.push(id);
    this.configs.clear();
    for (const [id, c] of next) this.configs.set(id, c);
    for (const id of result.removed) this.ring.drop(id);
    await this.apply();
    if (result.added.length + result.changed.length + result.removed.length + result.issues.length > 0) {
      this.log.info('config reloaded', { added: result.added, changed: result.changed, removed: result.removed, issues: result.issues.length });
    }
    this.emit('reload', result);
    return result;
  }

  /** Starts, restarts and stops sources so that running = wanted. */
  private async applyNow(): Promise<void> {
    if (this.stopped) return;
    const wanted = new Map<string, { cam: CameraConfig; key: string }>();
    for (const [id, c] of this.configs) {
      if (c.cam.enabled && (!this.active || this.active.has(id))) wanted.set(id, c);
    }
    const stops: Promise<void>[] = [];
    for (const [id, s] of this.sources) {
      const w = wanted.get(id);
      if (!w || w.key !== s.key) stops.push(this.stopSource(id));
    }
    await Promise.all(stops);
    for (const [id, w] of wanted) {
      if (this.sources.has(id)) continue;
      let source: FrameSource;
      try {
        source = (this.opts.makeSource ?? createSource)(w.cam, this.opts.tuning ?? {});
      } catch (e) {
        this.log.error('cannot create source', { cameraId: id, error: (e as Error).message });
        continue;
      }
      this.sources.set(id, { source, key: w.key });
      const emitter = source as unknown as EventEmitter;
      if (typeof emitter.on === 'function') {
        emitter.on('frame', (f: Frame) => {
          this.ring.push(f);
          this.emit('frame', f);
        });
        emitter.on('state', (s: unknown) => this.emit('state', id, s));
      }
      source.start();
      this.emit('started', id);
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
