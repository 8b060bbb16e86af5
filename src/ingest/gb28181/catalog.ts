// Gathers a device's Catalog answer: one query (SN) may be answered by several MESSAGEs, each
// with part of the DeviceList, until SumNum items have arrived (or the wait times out).
import { type ChannelInfo, type ManscdpMessage, channelFromItem } from './manscdp.ts';

export const MAX_CHANNELS = 4096;

interface Wait {
  deviceId: string;
  items: Map<string, ChannelInfo>;
  sum?: number;
  resolve(ch: ChannelInfo[]): void;
  timer: NodeJS.Timeout;
}

export class CatalogCollector {
  private waits = new Map<number, Wait>();

  /** `apply` stores a device's complete channel list (on completion or an unsolicited catalog). */
  constructor(private readonly timeoutMs: number, private readonly apply: (deviceId: string, channels: ChannelInfo[], merge: boolean) => void) {}

  expect(sn: number, deviceId: string): Promise<ChannelInfo[]> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.finish(sn), this.timeoutMs);
      this.waits.set(sn, { deviceId, items: new Map(), resolve, timer });
    });
  }

  onResponse(deviceId: string, m: ManscdpMessage): void {
    const wait = this.waits.get(m.sn);
    const mine = wait && wait.deviceId === deviceId ? wait : undefined;
    const items = mine ? mine.items : new Map<string, ChannelInfo>();
    for (const it of m.items) {
      const ch = channelFromItem(it);
      if (ch && items.size < MAX_CHANNELS) items.set(ch.channelId, ch);
    }
    if (!mine) {
      // Unsolicited (some devices push their catalog after registering): merge it in.
      if (items.size) this.apply(deviceId, [...items.values()], true);
      return;
    }
    const sum = Number(m.fields.SumNum);
    if (Number.isInteger(sum)) mine.sum = sum;
    if (mine.sum !== undefined && items.size >= Math.min(mine.sum, MAX_CHANNELS)) this.finish(m.sn);
  }

  /** Ends a wait with whatever arrived. */
  finish(sn: number): void {
    const w = this.waits.get(sn);
    if (!w) return;
    clearTimeout(w.timer);
    this.waits.delete(sn);
    const channels = [...w.items.values()];
    if (channels.length) this.apply(w.deviceId, channels, false);
    w.resolve(channels);
  }

  clear(): void {
    for (const sn of [...this.waits.keys()]) this.finish(sn);
  }
}
