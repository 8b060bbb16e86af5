// Cameras as configured in streams-config/*.yaml, reloadable after a zone edit.
import type { CameraConfig } from '../../config/schema.ts';
import { loadStreamsConfig, type ConfigIssue } from '../../config/load.ts';
import type { CameraDirectory } from '../ports.ts';

export class ConfigCameraDirectory implements CameraDirectory {
  private cameras = new Map<string, CameraConfig>();
  private files = new Map<string, string>();
  issues: ConfigIssue[] = [];

  constructor(readonly dir: string) {}

  async reload(): Promise<void> {
    const loaded = await loadStreamsConfig(this.dir);
    this.cameras = new Map(loaded.cameras.map((c) => [c.id, c]));
    this.files = loaded.sourceFile;
    this.issues = loaded.issues;
  }

  list(): CameraConfig[] {
    return [...this.cameras.values()];
  }

  get(id: string): CameraConfig | undefined {
    return this.cameras.get(id);
  }

  fileOf(id: string): string | undefined {
    return this.files.get(id);
  }
}
