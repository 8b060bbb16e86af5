// sipp plays the device (UAS): the platform's Catalog query and its INVITE / ACK / BYE are checked
// by an independent SIP stack. sipp cannot REGISTER and then take new Call-IDs in one process, so
// the device record (address = sipp's port) is put in the store as a registration would.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Camera } from '../../src/config/schema.ts';
import { Gb28181Service } from '../../src/ingest/gb28181/index.ts';
import { MemoryDeviceStore } from '../../src/ingest/gb28181/store.ts';
import { DEVICE_ID, SERVER_ID, until } from './helpers.ts';

const PORT = 15070;
const SIPP_PORT = 15071;
let work = '';
let svc: Gb28181Service;
let sipp: ChildProcess | undefined;
let exit: Promise<number | null>;

before(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'huiyan-sipp-uas-'));
  const store = new MemoryDeviceStore();
  const now = Date.now();
  await store.put({ deviceId: DEVICE_ID, online: false, transport: 'udp', address: '127.0.0.1', port: SIPP_PORT, registeredAt: now, expiresAt: now + 3.6e6, lastKeepaliveAt: now, channels: [] });
  svc = new Gb28181Service(
    { sipId: SERVER_ID, sipPort: PORT, listenHost: '127.0.0.1', mediaIp: '127.0.0.1', rtpPortMin: 30400, rtpPortMax: 30420, keepaliveIntervalSeconds: 60, streamTimeoutSeconds: 2, transactionTimeoutSeconds: 3 },
    store,
  );
  await svc.start();
  svc.server.device(DEVICE_ID)!.online = true;
  sipp = spawn('sipp', ['-sf', path.resolve(import.meta.dirname, 'sipp/uas-device.xml'), '-p', String(SIPP_PORT), '-i', '127.0.0.1', '-m', '2', '-nostdin', '-timeout', '60s', '-timeout_error', '-trace_err'], { cwd: work, stdio: 'ignore' });
  exit = new Promise((r) => sipp!.on('close', r));
  await new Promise((r) => setTimeout(r, 500)); // sipp binds its port
});
after(async () => {
  if (sipp && sipp.exitCode === null) sipp.kill('SIGKILL');
  await svc?.stop();
  await rm(work, { recursive: true, force: true });
});

test('sipp device answers our Catalog query; the channel is stored', async () => {
  const channels = await svc.server.queryCatalog(DEVICE_ID);
  assert.deepEqual(channels.map((c) => [c.channelId, c.name]), [['34020000001310000001', 'sipp channel']]);
  assert.equal(svc.server.device(DEVICE_ID)?.channels.length, 1);
});

test('sipp device accepts our INVITE (s=Play, PS/90000, recvonly, y=), gets ACK, and BYE when no media comes', async () => {
  const src = svc.createSource(Camera.parse({
    id: 'gb-sipp', name: 'sipp', location: { district: 'd', street: 's' },
    source: { kind: 'gb28181', deviceId: DEVICE_ID, channelId: '34020000001310000001', transport: 'udp' },
  }));
  src.start();
  try {
    const code = await exit;
    let errors = '';
    for (const f of await readdir(work)) if (f.endsWith('_errors.log')) errors += await readFile(path.join(work, f), 'utf8');
    assert.equal(code, 0, `sipp failed: ${errors}`);
    await until('timeout recorded', () => src.playStats().reinvites >= 1);
    assert.equal(src.playStats().invites >= 1, true);
  } finally {
    await src.stop();
  }
});
