// Entry point of GB28181 ingest: one SIP server per appliance, one supervised Gb28181Source per
// camera. Device registration and loss steer the sources: a device that registers (again) gets
// its channels INVITEd at once, not after the back-off; a device that goes offline makes its
// cameras `down` with that reason.
import { Gb28181Config, type Gb28181ConfigT } from './config.ts';
import { Gb28181Server } from './server.ts';
import { PortPool } from './rtp/receiver.ts';
import { type DeviceStore, JsonFileDeviceStore } from './store.ts';
import { Gb28181Runner, Gb28181Source } from './source.ts';
import type { CameraConfig } from '../../config/schema.ts';
import { supervisorOptions, type SourceTuning } from '../sources.ts';

export class Gb28181Service {
  readonly cfg: Gb28181ConfigT;
  readonly server: Gb28181Server;
  readonly pool: PortPool;
  private readonly sources = new Set<Gb28181Source>();

  /** `raw` is validated here (zod, strict): this is where operator config enters. */
  constructor(raw: unknown, store?: DeviceStore) {
    this.cfg = Gb28181Config.parse(raw);
    this.server = new Gb28181Server(this.cfg, store ?? new JsonFileDeviceStore(this.cfg.storePath));
    this.pool = new PortPool(this.cfg.rtpPortMin, this.cfg.rtpPortMax);
    this.server.on('online', (d) => {
      for (const s of this.sources) if (s.deviceId === d.deviceId) s.retryNow();
    });
    this.server.on('offline', (d, reason) => {
      for (const s of this.sources) if (s.deviceId === d.deviceId) s.interrupt(`device offline (${reason})`);
    });
  }

  start(): Promise<void> {
    return this.server.start();
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  /** A supervised source for a `kind: gb28181` camera (watchdog and back-off from `tuning`, as for every kind). */
  createSource(camera: CameraConfig, tuning: SourceTuning = {}): Gb28181Source {
    const src = new Gb28181Source(new Gb28181Runner(camera, this.server, this.pool, tuning), supervisorOptions(camera, tuning));
    this.sources.add(src);
    src.on('state', (s: { state: string }) => {
      if (s.state === 'stopped') this.sources.delete(src);
      else this.sources.add(src);
    });
    return src;
  }
}

export { Gb28181Config, type Gb28181ConfigT } from './config.ts';
export { Gb28181Server } from './server.ts';
export { Gb28181Source } from './source.ts';
export { JsonFileDeviceStore, MemoryDeviceStore, type DeviceStore, type DeviceRecord } from './store.ts';
