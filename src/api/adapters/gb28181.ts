// Gb28181Directory over the GB28181 SIP server's device table (Gb28181Server.listDevices()).
// Typed structurally so the API does not load the SIP stack just to read a list.
import type { GbChannel, GbDevice, Gb28181Directory } from '../ports.ts';

export interface DeviceRecordLike {
  deviceId: string;
  online: boolean;
  lastKeepaliveAt: number;
  info?: { name?: string };
  channels: { channelId: string; name?: string; status?: string }[];
}

export class SipServerDirectory implements Gb28181Directory {
  constructor(private readonly server: { listDevices(): DeviceRecordLike[] }) {}

  async devices(): Promise<GbDevice[]> {
    return this.server.listDevices().map((d) => ({
      deviceId: d.deviceId,
      name: d.info?.name,
      online: d.online,
      lastKeepaliveAt: d.lastKeepaliveAt,
      channels: d.channels.length,
    }));
  }

  async channels(deviceId: string): Promise<GbChannel[] | null> {
    const d = this.server.listDevices().find((x) => x.deviceId === deviceId);
    return d ? d.channels.map((c) => ({ channelId: c.channelId, deviceId, name: c.name, status: c.status })) : null;
  }
}
