// Where registered devices and their channels live between restarts. The interface is small so
// the cases stage can swap the JSON file for PostgreSQL tables without touching the SIP server.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { ChannelInfo } from './manscdp.ts';

export interface DeviceInfo {
  name?: string;
  manufacturer?: string;
  model?: string;
  firmware?: string;
  channelCount?: number;
}

export interface DeviceRecord {
  deviceId: string;
  online: boolean;
  /** How the device reached us: requests to it go back the same way. */
  transport: 'udp' | 'tcp';
  address: string;
  port: number;
  registeredAt: number;
  expiresAt: number;
  lastKeepaliveAt: number;
  info?: DeviceInfo;
  channels: ChannelInfo[];
}

export interface DeviceStore {
  load(): Promise<DeviceRecord[]>;
  put(rec: DeviceRecord): Promise<void>;
  flush(): Promise<void>;
}

const Channel = z.object({
  channelId: z.string().regex(/^\d{20}$/),
  name: z.string(),
  manufacturer: z.string().optional(),
  model: z.string().optional(),
  status: z.enum(['ON', 'OFF']),
  parentId: z.string().optional(),
  address: z.string().optional(),
  lng: z.number().optional(),
  lat: z.number().optional(),
});
const Record_ = z.object({
  deviceId: z.string().regex(/^\d{20}$/),
  online: z.boolean(),
  transport: z.enum(['udp', 'tcp']),
  address: z.string(),
  port: z.number().int(),
  registeredAt: z.number(),
  expiresAt: z.number(),
  lastKeepaliveAt: z.number(),
  info: z.object({ name: z.string(), manufacturer: z.string(), model: z.string(), firmware: z.string(), channelCount: z.number() }).partial().optional(),
  channels: z.array(Channel),
});
const FileShape = z.object({ version: z.literal(1), devices: z.array(Record_) });

/** One JSON file, rewritten atomically (tmp + rename) at most once per `delayMs`. */
export class JsonFileDeviceStore implements DeviceStore {
  private devices = new Map<string, DeviceRecord>();
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly file: string, private readonly delayMs = 500) {}

  async load(): Promise<DeviceRecord[]> {
    let raw: string;
    try {
      raw = await readFile(this.file, 'utf8');
    } catch {
      return [];
    }
    const parsed = FileShape.parse(JSON.parse(raw));
    for (const d of parsed.devices) this.devices.set(d.deviceId, { ...d, channels: d.channels as ChannelInfo[] });
    return [...this.devices.values()];
  }

  async put(rec: DeviceRecord): Promise<void> {
    this.devices.set(rec.deviceId, structuredClone(rec));
    if (!this.timer) this.timer = setTimeout(() => void this.flush(), this.delayMs);
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const body = JSON.stringify({ version: 1, devices: [...this.devices.values()] }, null, 1);
    this.writing = this.writing.then(async () => {
      await mkdir(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, body);
      await rename(tmp, this.file);
    });
    await this.writing;
  }
}

/** For embedding without persistence (the simulator harness, unit tests of the registrar). */
export class MemoryDeviceStore implements DeviceStore {
  readonly devices = new Map<string, DeviceRecord>();
  async load(): Promise<DeviceRecord[]> {
    return [...this.devices.values()];
  }
  async put(rec: DeviceRecord): Promise<void> {
    this.devices.set(rec.deviceId, structuredClone(rec));
  }
  async flush(): Promise<void> {}
}
