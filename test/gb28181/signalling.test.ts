// Registration, catalog, device info, keepalive and unregister between the simulator and the
// real server over UDP and TCP SIP on loopback.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import dgram from 'node:dgram';
import net from 'node:net';
import { getHeader } from '../../src/ingest/gb28181/sip/message.ts';
import { CHANNELS, DEVICE_ID, SERVER_ID, startService, startSim, until } from './helpers.ts';
import { Gb28181Service } from '../../src/ingest/gb28181/index.ts';
import { JsonFileDeviceStore } from '../../src/ingest/gb28181/store.ts';
import type { DeviceSimulator } from './sim/device-sim.ts';

const PORT = 15060;
let env: Awaited<ReturnType<typeof startService>>;
const sims: DeviceSimulator[] = [];

before(async () => {
  env = await startService(PORT, { registerPerMinute: 1000 });
});
after(async () => {
  for (const s of sims) await s.close();
  await env.close();
});

test('a device registers with digest (401 then 200 with Date), its channels and info arrive over GB2312', async () => {
  const sim = await startSim({ localPort: 15061, serverPort: PORT });
  sims.push(sim);
  const { statuses, final } = await sim.register();
  assert.deepEqual(statuses, [401, 200]);
  assert.match(getHeader(final, 'date') ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/);
  assert.equal(getHeader(final, 'expires'), '3600');
  const dev = await until('channels', () => {
    const d = env.svc.server.device(DEVICE_ID);
    return d && d.channels.length === 2 && d.info?.name ? d : undefined;
  });
  assert.equal(dev.online, true);
  assert.deepEqual(dev.channels.map((c) => c.channelId).sort(), CHANNELS.map((c) => c.id));
  assert.equal(dev.channels.find((c) => c.channelId === CHANNELS[0].id)?.name, CHANNELS[0].name);
  assert.equal(dev.info?.name, '模拟设备');
  assert.equal(dev.info?.channelCount, 2);
  // Persisted in the store file.
  await env.svc.server['store'].flush();
  const saved = JSON.parse(await readFile(env.storePath, 'utf8'));
  assert.equal(saved.devices[0].deviceId, DEVICE_ID);
  assert.equal(saved.devices[0].channels.length, 2);
});

test('stopping keepalives marks the device offline after three intervals, not before', async () => {
  const sim = sims[0];
  sim.startKeepalives();
  await new Promise((r) => setTimeout(r, 4000));
  assert.equal(env.svc.server.device(DEVICE_ID)?.online, true, 'online while keepalives flow (4 intervals)');
  const lastBeat = await until('a keepalive recorded', () => env.svc.server.device(DEVICE_ID)?.lastKeepaliveAt);
  sim.stopKeepalives();
  const offlineAt = await new Promise<number>((resolve) => env.svc.server.once('offline', () => resolve(Date.now())));
  const silent = offlineAt - lastBeat;
  assert.ok(silent >= 3000, `offline after ${silent} ms of silence (3 × 1 s interval)`);
  assert.ok(silent < 10_000, `offline took ${silent} ms`);
  assert.equal(env.svc.server.device(DEVICE_ID)?.online, false);
  // A keepalive from an offline device is refused (it must register again).
  const res = await sim.message(`<?xml version="1.0"?><Notify><CmdType>Keepalive</CmdType><SN>9</SN><DeviceID>${DEVICE_ID}</DeviceID><Status>OK</Status></Notify>`);
  assert.equal(res.status, 403);
});

test('a wrong password gets 403 after the challenge', async () => {
  const sim = sims[0];
  const { statuses } = await sim.register(3600, 'not-the-password');
  assert.deepEqual(statuses, [401, 403]);
});

test('an unknown device id is rejected without a challenge', async () => {
  const sim = await startSim({ localPort: 15062, serverPort: PORT, deviceId: '34020000001320000099' });
  sims.push(sim);
  const { statuses } = await sim.register();
  assert.deepEqual(statuses, [403]);
  assert.equal(env.svc.server.device('34020000001320000099'), undefined);
});

test('registration over TCP SIP, then Expires: 0 unregisters', async () => {
  const sim = await startSim({ localPort: 15063, serverPort: PORT, sipTransport: 'tcp' });
  sims.push(sim);
  const { statuses } = await sim.register();
  assert.deepEqual(statuses, [401, 200]);
  const dev = await until('tcp device with channels', () => {
    const d = env.svc.server.device(DEVICE_ID);
    return d?.online && d.transport === 'tcp' && d.channels.length === 2 ? d : undefined;
  });
  assert.equal(dev.transport, 'tcp');
  // The platform's Catalog query reached the device over its TCP connection.
  await until('catalog query over tcp', () => sim.counters.catalogQueries >= 1);
  const un = await sim.register(0);
  assert.deepEqual(un.statuses, [401, 200]);
  assert.equal(getHeader(un.final, 'expires'), '0');
  assert.equal(env.svc.server.device(DEVICE_ID)?.online, false);
});

test('registration attempts beyond the rate limit get 503', async () => {
  const limited = await startService(15064, { registerPerMinute: 3 });
  const sim = await startSim({ localPort: 15065, serverPort: 15064 });
  try {
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) seen.push(...(await sim.register()).statuses);
    assert.deepEqual(seen.slice(0, 3), [401, 200, 401]);
    assert.equal(seen.at(-1), 503);
  } finally {
    await sim.close();
    await limited.close();
  }
});

test('garbage datagrams and an endless TCP header are refused; the server keeps serving', async () => {
  let malformed = 0;
  const count = () => malformed++;
  env.svc.server.on('malformed', count);
  const sock = dgram.createSocket('udp4');
  for (let i = 0; i < 2000; i++) {
    const junk = Buffer.from(`REGISTER sip:x SIP/2.0\r\nVia: ${'A'.repeat(i % 300)}\r\nContent-Length: ${i}\r\n\r\n`);
    sock.send(i % 2 ? junk : junk.subarray(0, i % junk.length), PORT, '127.0.0.1');
    if (i % 50 === 49) await new Promise((r) => setTimeout(r, 2));
  }
  const tcp = net.connect({ host: '127.0.0.1', port: PORT });
  const closed = new Promise<void>((r) => tcp.on('close', () => r()));
  tcp.on('error', () => undefined);
  await new Promise<void>((r) => tcp.once('connect', () => r()));
  // 32 KiB of header that never ends: the framer's 16 KiB header limit must cut the connection.
  for (let i = 0; i < 32 && !tcp.destroyed; i++) tcp.write(`X-Pad-${i}: ${'b'.repeat(1000)}\r\n`);
  await closed;
  // Loopback may drop some of the burst; most must have been seen and refused.
  await until('malformed datagrams counted', () => malformed >= 500);
  sock.close();
  env.svc.server.off('malformed', count);
  const sim = await startSim({ localPort: 15075, serverPort: PORT });
  sims.push(sim);
  assert.deepEqual((await sim.register()).statuses, [401, 200]);
});

test('auto-registration admits unlisted ids with the global password, and only with it', async () => {
  const auto = await startService(15076, { autoRegister: true, password: 'global-pw', devices: [] });
  const sim = await startSim({ localPort: 15077, serverPort: 15076, deviceId: '34020000001320000042', password: 'global-pw' });
  try {
    assert.deepEqual((await sim.register(3600, 'wrong')).statuses, [401, 403]);
    assert.deepEqual((await sim.register()).statuses, [401, 200]);
    assert.equal(auto.svc.server.device('34020000001320000042')?.online, true);
  } finally {
    await sim.close();
    await auto.close();
  }
});

test('devices and channels survive a restart of the server (JSON store)', async () => {
  await env.svc.server['store'].flush();
  const again = new Gb28181Service({ sipId: SERVER_ID, sipPort: 15078, listenHost: '127.0.0.1', devices: [] }, new JsonFileDeviceStore(env.storePath));
  await again.start();
  try {
    const dev = again.server.device(DEVICE_ID);
    assert.ok(dev, 'device loaded from the store');
    assert.equal(dev.online, false, 'offline until it registers again');
    assert.deepEqual(dev.channels.map((c) => c.channelId).sort(), CHANNELS.map((c) => c.id));
    assert.equal(dev.info?.name, '模拟设备');
  } finally {
    await again.stop();
  }
});
