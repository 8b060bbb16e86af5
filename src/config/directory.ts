// The one camera directory of a process: loads streams-config/, follows it while running and
// tells every consumer (ingest's CameraManager, the pipeline, the dispatch workers, the API)
// what changed. A file that fails validation is reported and the cameras it held keep their
// last good config, so a typo never stops a running camera.
import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'node:fs';
import type { CameraConfig } from './schema.ts';
import { formatIssue, loadStreamsConfig, type ConfigIssue } from './load.ts';
import { createLogger, type Logger } from '../util/log.ts';

/** What one reload changed, by camera id. */
export interface DirectoryChange {
  added: string[];
  changed: string[];
  removed: string[];
  issues: ConfigIssue[];
}

/** The read side every stage depends on; CameraDirectory satisfies it. */
export interface CameraLookup {
  get(id: string): CameraConfig | undefined;
  list(): CameraConfig[];
}

/** The read side plus the change feed. `change` fires after each reload that changed anything. */
export interface CameraFeed extends CameraLookup {
  on(event: 'change', listener: (c: DirectoryChange) => void): this;
  off(event: 'change', listener: (c: DirectoryChange) => void): this;
}

export interface CameraDirectoryOptions {
  dir: string;
  /** Quiet time after the last file event before reloading (editors write in bursts). */
  debounceMs?: number;
  log?: Logger;
}

interface Entry {
  cam: CameraConfig;
  file: string;
  /** Serialised config: "changed" means this differs. */
  key: string;
}

/**
 * Events: `change` (DirectoryChange, only when something was added, changed or removed or a
 * file has issues), `added` (camera), `changed` (camera, previous), `removed` (previous).
 * A camera keeps the same object until its config changes, so `get(id) === prev` is a cheap
 * "unchanged" test on hot paths.
 */
export class CameraDirectory extends EventEmitter implements CameraFeed {
  private entries = new Map<string, Entry>();
  private lastIssues: ConfigIssue[] = [];
  private watcher?: FSWatcher;
  private debounce?: NodeJS.Timeout;
  private reloading: Promise<unknown> = Promise.resolve();
  private readonly log: Logger;

  constructor(private readonly o: CameraDirectoryOptions) {
    super();
    this.log = o.log ?? createLogger({ stage: 'config', part: 'directory' });
  }

  get dir(): string {
    return this.o.dir;
  }

  /** First load, then follow the folder. Idempotent. */
  async start(): Promise<DirectoryChange> {
    const r = await this.reload();
    this.watcher ??= watch(this.o.dir, () => {
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => void this.reload().catch((e) => this.log.error('config reload failed', { error: (e as Error).message })), this.o.debounceMs ?? 300);
    });
    return r;
  }

  async stop(): Promise<void> {
    this.watcher?.close();
    this.watcher = undefined;
    clearTimeout(this.debounce);
    await this.reloading;
  }

  get(id: string): CameraConfig | undefined {
    return this.entries.get(id)?.cam;
  }

  list(): CameraConfig[] {
    return [...this.entries.values()].map((e) => e.cam);
  }

  /** The streams-config file that defines the camera (for zone edits). */
  fileOf(id: string): string | undefined {
    return this.entries.get(id)?.file;
  }

  /** Issues of the last reload (file, YAML path, line, message). */
  issues(): ConfigIssue[] {
    return this.lastIssues;
  }

  /** Re-reads the folder now and applies the difference. Serialised: one reload at a time. */
  reload(): Promise<DirectoryChange> {
    const next = this.reloading.then(() => this.doReload());
    this.reloading = next.catch(() => undefined);
    return next;
  }

  private async doReload(): Promise<DirectoryChange> {
    const loaded = await loadStreamsConfig(this.o.dir);
    const badFiles = new Set(loaded.issues.map((i) => i.file));
    for (const i of loaded.issues) this.log.warn('config issue', { issue: formatIssue(i) });
    const next = new Map<string, Entry>();
    for (const cam of loaded.cameras) {
      const key = JSON.stringify(cam);
      const prev = this.entries.get(cam.id);
      // Unchanged cameras keep their object, so identity comparisons downstream stay cheap.
      next.set(cam.id, prev && prev.key === key ? prev : { cam, file: loaded.sourceFile.get(cam.id)!, key });
    }
    // A camera that vanished from a file with errors is most likely the broken one: keep it.
    for (const [id, prev] of this.entries) {
      if (!next.has(id) && badFiles.has(prev.file)) next.set(id, prev);
    }
    const change: DirectoryChange = { added: [], changed: [], removed: [], issues: loaded.issues };
    const prevEntries = this.entries;
    for (const [id, e] of next) {
      const prev = prevEntries.get(id);
      if (!prev) change.added.push(id);
      else if (prev !== e) change.changed.push(id);
    }
    for (const id of prevEntries.keys()) if (!next.has(id)) change.removed.push(id);
    this.entries = next;
    this.lastIssues = loaded.issues;
    for (const id of change.added) this.emit('added', next.get(id)!.cam);
    for (const id of change.changed) this.emit('changed', next.get(id)!.cam, prevEntries.get(id)!.cam);
    for (const id of change.removed) this.emit('removed', prevEntries.get(id)!.cam);
    if (change.added.length + change.changed.length + change.removed.length + change.issues.length > 0) {
      this.log.info('config reloaded', { added: change.added, changed: change.changed, removed: change.removed, issues: change.issues.length });
      this.emit('change', change);
    }
    return change;
  }
}
