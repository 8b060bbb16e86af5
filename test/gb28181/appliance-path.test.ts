// GB28181 cameras on the appliance's real path: streams-config YAML → CameraManager → the one
// source supervisor → frames to the consumer. Device faults a field sees: the device hangs up
// and sends its PS stream map only at session start, goes offline, registers again, answers a
// TCP offer with a non-complementary a=setup.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CameraManager } from '../../src/ingest/camera-manager.ts';
import { registerSourceKind } from '../../src/ingest/sources.ts';
import type { Frame } from '../../src/ingest/types.ts';
import type { Gb28181Source } from '../../src/ingest/gb28181/source.ts';
import { liveChildPids } from '../../src/ingest/child-registry.ts';
import { CHANNELS, DEVICE_ID, startService, startSim, until } from './helpers.ts';
import type { DeviceSimulator } from './sim/device-sim.ts';

const PORT = 15166;
let env: Awaited<ReturnType<typeof startService>>;
let sim: DeviceSimulator;
let dir = '';
let manager: CameraManager;
const frames = new Map<string, Frame[]>();

const yaml = (id: string, transport: string) => `
  - id: ${id}
    name: GB ${id}
    location: { district: 徐汇区, street: 漕河泾街道 }
    source: { kind: gb28181, deviceId: "${DEVICE_ID}", channelId: "${CHANNELS[0].id}", transport: ${transport} }
    sampling: { fps: 2, keyframesOnly: false }`;

before(async () => {
  env = await startService(PORT, { streamTimeoutSeconds: 2 });
  sim = await startSim({ localPort: PORT + 1, serverPort: PORT });
  assert.deepEqual((await sim.register()).statuses, [401, 200]);
  sim.startKeepalives();
  registerSourceKind('gb28181', (camera, tuning) => env.svc.createSource(camera, tuning));
  dir = await mkdtemp(path.join(os.tmpdir(), 'huiyan-gb-cm-'));
  await writeFile(path.join(dir, 'gb.yaml'), `cameras:${yaml('gb-1', 'udp')}`);
  // A long back-off base: a re-INVITE within ~1 s of a registration can only come from the
  // registration itself, not from the retry timer.
  manager = new CameraManager({ configDir: dir, tuning: { backoff: { baseMs: 4000, maxMs: 8000, jitter: 0 } } });
  manager.on('frame', (f: Frame) => frames.set(f.cameraId, [...(frames.get(f.cameraId) ?? []), f]));
  await manager.start();
});

after(async () => {
  await manager?.stop();
  await sim?.close();
  await env?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  assert.deepEqual(liveChildPids(), [], 'no ffmpeg left behind');
});

const src = () => manager.source('gb-1') as Gb28181Source;
const count = () => frames.get('gb-1')?.length ?? 0;

test('a GB28181 camera in streams-config delivers frames through the CameraManager', async () => {
  await until('3 frames from gb-1', () => count() >= 3, 30_000);
  const f = frames.get('gb-1')![0]!;
  assert.deepEqual([f.sourceWidth, f.sourceHeight, f.bgr.width, f.bgr.height], [384, 288, 416, 312]);
  assert.equal(src().health().state, 'live');
  assert.ok(manager.ring.latest('gb-1'), 'frames reach the ring buffer (evidence)');
});

test('device hangs up and sends its stream map only at session start: frames again after the re-INVITE', async () => {
  sim.psmOnlyAtStart = true;
  // Start a fresh play with the start-only stream map, then hang it up.
  await sim.hangUp();
  await until('re-INVITE 1', () => src().playStats().invites >= 2, 20_000);
  let before = count();
  await until('frames in the start-only-PSM play', () => count() >= before + 3, 30_000);
  const invites = src().playStats().invites;
  await sim.hangUp();
  await until('re-INVITE 2', () => src().playStats().invites > invites, 20_000);
  before = count();
  await until('frames after the second re-INVITE', () => count() >= before + 3, 30_000);
  assert.equal(src().health().state, 'live');
  sim.psmOnlyAtStart = false;
});

test('an offline device makes its camera down; its registration brings an INVITE at once', async () => {
  sim.stopKeepalives();
  await until('camera down', () => src().health().state === 'down', 20_000);
  assert.match(src().health().lastError ?? '', /offline|not online/);
  await new Promise((r) => setTimeout(r, 1000));
  const invites = src().playStats().invites;
  const t0 = Date.now();
  assert.equal((await sim.register()).final.status, 200);
  sim.startKeepalives();
  await until('INVITE after registration', () => src().playStats().invites > invites, 10_000);
  const ms = Date.now() - t0;
  assert.ok(ms < 1500, `re-INVITE ${ms} ms after the registration (back-off is 4-8 s)`);
  const before = count();
  await until('frames again', () => count() >= before + 2, 30_000);
});

test('a non-complementary a=setup answer (RFC 4145) is refused with a BYE and a reason', async () => {
  sim.badSetup = true;
  const byes = sim.counters.byes;
  await writeFile(path.join(dir, 'gb.yaml'), `cameras:${yaml('gb-tcp', 'tcp-passive')}`);
  await until('gb-tcp started', () => manager.source('gb-tcp'), 15_000);
  const s = manager.source('gb-tcp') as Gb28181Source;
  await until('answer refused', () => /a=setup/.test(s.health().lastError ?? ''), 20_000);
  await until('BYE sent', () => sim.counters.byes > byes, 10_000);
  assert.equal(s.health().state, 'down');
  assert.equal(s.health().framesTotal, 0);
  sim.badSetup = false;
});
