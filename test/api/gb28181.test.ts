// GB28181 devices and channels through the API, from the real SIP server with the device
// simulator registered over UDP on loopback.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { SipServerDirectory } from '../../src/api/adapters/gb28181.ts';
import { CHANNELS, DEVICE_ID, startService, startSim, until } from '../gb28181/helpers.ts';
import type { DeviceSimulator } from '../gb28181/sim/device-sim.ts';
import { startHarness, type Harness } from './support/harness.ts';

const API_PORT = 18087;
const SIP_PORT = 18088;
const SIM_PORT = 18089;
let env: Awaited<ReturnType<typeof startService>>;
let sim: DeviceSimulator;
let h: Harness;

before(async () => {
  env = await startService(SIP_PORT);
  h = await startHarness(API_PORT, { gb: new SipServerDirectory(env.svc.server) });
  sim = await startSim({ localPort: SIM_PORT, serverPort: SIP_PORT });
});
after(async () => {
  await sim?.close();
  await h?.close();
  await env?.close();
});

it('lists the registered device and its Catalog channels to commanders, not to officers', async () => {
  const commander = await h.login('commander');
  const get = (p: string, cookie = commander) => fetch(`${h.url}${p}`, { headers: { cookie } });
  assert.deepEqual((await (await get('/api/gb28181/devices')).json()).items, []);

  const { statuses } = await sim.register();
  assert.deepEqual(statuses, [401, 200]);
  await until('catalog', () => env.svc.server.device(DEVICE_ID)?.channels.length === 2);

  const devices = (await (await get('/api/gb28181/devices')).json()).items;
  assert.equal(devices.length, 1);
  assert.equal(devices[0].deviceId, DEVICE_ID);
  assert.equal(devices[0].online, true);
  assert.equal(devices[0].channels, 2);
  const channels = (await (await get(`/api/gb28181/devices/${DEVICE_ID}/channels`)).json()).items;
  assert.deepEqual(channels.map((c: { channelId: string }) => c.channelId).sort(), CHANNELS.map((c) => c.id));
  assert.equal(channels.find((c: { channelId: string }) => c.channelId === CHANNELS[0].id).name, CHANNELS[0].name);

  assert.equal((await get('/api/gb28181/devices/34020000001329999999/channels')).status, 404);
  const bad = await get('/api/gb28181/devices/12345/channels');
  assert.equal(bad.status, 400);
  assert.deepEqual((await bad.json()).issues[0].path, ['deviceId']);
  assert.equal((await get('/api/gb28181/devices', await h.login('officer_a'))).status, 403);
});
