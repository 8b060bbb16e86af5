// Shared fixtures for the GB28181 tests: ids, a server on our port range, a simulator factory.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Gb28181Service } from '../../src/ingest/gb28181/index.ts';
import { JsonFileDeviceStore } from '../../src/ingest/gb28181/store.ts';
import { DeviceSimulator, type SimOptions } from './sim/device-sim.ts';

export const SERVER_ID = '34020000002000000001';
export const DOMAIN = '3402000000';
export const DEVICE_ID = '34020000001320000001';
export const CHANNELS = [
  { id: '34020000001310000001', name: '漕河泾街道 东门' },
  { id: '34020000001310000002', name: '漕河泾街道 西门' },
];
export const PASSWORD = 'hy-12345678';

export async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startService(port: number, extra: Record<string, unknown> = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'huiyan-gb-'));
  const storePath = path.join(dir, 'devices.json');
  const svc = new Gb28181Service(
    {
      sipId: SERVER_ID,
      sipPort: port,
      listenHost: '127.0.0.1',
      mediaIp: '127.0.0.1',
      rtpPortMin: 30000,
      rtpPortMax: 30399,
      devices: [{ id: DEVICE_ID, password: PASSWORD }],
      // Short so the keepalive test is fast; the simulator beats every 0.5 s, well inside it.
      keepaliveIntervalSeconds: 1,
      storePath,
      ...extra,
    },
    new JsonFileDeviceStore(storePath, 50),
  );
  await svc.start();
  return {
    svc,
    storePath,
    async close() {
      await svc.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function startSim(o: Partial<SimOptions> & { localPort: number; serverPort: number }): Promise<DeviceSimulator> {
  const sim = new DeviceSimulator({
    deviceId: DEVICE_ID,
    serverId: SERVER_ID,
    domain: DOMAIN,
    serverHost: '127.0.0.1',
    sipTransport: 'udp',
    password: PASSWORD,
    keepaliveMs: 500,
    channels: CHANNELS,
    ...o,
  });
  await sim.open();
  return sim;
}
