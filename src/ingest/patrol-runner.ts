// Applies a PatrolScheduler to a CameraManager: every tick the scheduler picks the cameras to
// watch and the manager starts and stops their sources accordingly.
import type { CameraManager } from './camera-manager.ts';
import { PatrolScheduler, type PatrolOptions, type CameraCoverage } from './patrol.ts';

export class PatrolRunner {
  readonly scheduler: PatrolScheduler;
  private timer?: NodeJS.Timeout;
  private busy = false;
  /** Cameras the patrol may use (e.g. those this worker holds leases for); undefined = all. */
  private pool?: Set<string>;

  constructor(
    private readonly manager: CameraManager,
    opts: PatrolOptions,
    private readonly tickMs = 500,
  ) {
    this.scheduler = new PatrolScheduler(opts);
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.tickMs);
    void this.tick();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  setPool(ids: Iterable<string> | undefined): void {
    this.pool = ids ? new Set(ids) : undefined;
  }

  coverage(): CameraCoverage[] {
    return this.scheduler.coverage();
  }

  async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const fleet = this.manager
        .cameras()
        .filter((c) => c.enabled && (!this.pool || this.pool.has(c.id)))
        .map((c) => ({ id: c.id, fps: c.sampling.fps, keyPoint: c.keyPoint }));
      this.scheduler.setCameras(fleet);
      await this.manager.setActive(this.scheduler.tick());
    } finally {
      this.busy = false;
    }
  }
}
