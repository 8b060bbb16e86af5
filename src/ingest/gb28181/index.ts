// Entry point of GB28181 ingest: one SIP server per appliance, one Gb28181Source per camera.
import { Gb28181Config, type Gb28181ConfigT } from './config.ts';
import { Gb28181Server } from './server.ts';
import { PortPool } from './rtp/receiver.ts';
import { type DeviceStore, JsonFileDeviceStore } from './store.ts';
import { Gb28181Source, type Gb28181SourceOptions } from './source.ts';
import type { CameraConfig } from '../../config/schema.ts';

export class Gb28181Service {
  readonly cfg: Gb28181ConfigT;
  readonly server: Gb28181Server;
  readonly pool: PortPool;

  /** `raw` is validated here (zod): this is where operator config enters. */
  constructor(raw: unknown, store?: DeviceStore) {
    this.cfg = Gb28181Config.parse(raw);
    this.server = new Gb28181Server(this.cfg, store ?? new JsonFileDeviceStore(this.cfg.storePath));
    this.pool = new PortPool(this.cfg.rtpPortMin, this.cfg.rtpPortMax);
  }

  start(): Promise<void> {
    return this.server.start();
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  createSource(camera: CameraConfig, opts?: Gb28181SourceOptions): Gb28181Source {
    return new Gb28181Source(camera, this.server, this.pool, opts);
  }
}

export { Gb28181Config, type Gb28181ConfigT } from './config.ts';
export { Gb28181Server } from './server.ts';
export { Gb28181Source } from './source.ts';
export { JsonFileDeviceStore, MemoryDeviceStore, type DeviceStore, type DeviceRecord } from './store.ts';
