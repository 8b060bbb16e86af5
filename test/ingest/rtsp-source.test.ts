import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Camera, type CameraConfig } from '../../src/config/schema.ts';
import { createSource } from '../../src/ingest/sources.ts';
import type { FfmpegSource } from '../../src/ingest/ffmpeg-source.ts';
import { startRtspServer, type RtspTestServer } from '../support/rtsp-server.ts';
import { waitFor, childFfmpegPids } from '../support/wait.ts';
import { liveChildPids } from '../../src/ingest/child-registry.ts';

const servers: RtspTestServer[] = [];
const sources: FfmpegSource[] = [];
after(async () => {
  await Promise.all(sources.map((s) => s.stop()));
  await Promise.all(servers.map((s) => s.close()));
});

function rtspCamera(id: string, url: string, fps: number, transport: 'tcp' | 'udp' = 'tcp'): CameraConfig {
  return Camera.parse({ id, name: id, location: { district: 'd', street: 's' }, source: { kind: 'rtsp', url, transport }, sampling: { fps } });
}

function makeSource(cam: CameraConfig, stallMs: number): FfmpegSource {
  const s = createSource(cam, { watchdog: { stallMs, connectMs: 8000, killGraceMs: 1000 }, backoff: { baseMs: 200, maxMs: 1000 }, rtspTimeoutMs: 3000 }) as FfmpegSource;
  sources.push(s);
  return s;
}

test('frames from the RTSP server arrive at the configured rate', async () => {
  const srv = await startRtspServer(18551, 'rate');
  servers.push(srv);
  const src = makeSource(rtspCamera('rtsp-rate', srv.url, 2), 4000);
  const seen: number[] = [];
  src.on('frame', (f) => seen.push(f.capturedAt));
  src.start();
  await waitFor('live', () => src.health().state === 'live', 20000);
  await waitFor('12 frames', () => seen.length >= 12, 30000);
  // Rate over the steady part (skip the first frames: the server pre-rolls a burst).
  const steady = seen.slice(3);
  const rate = (steady.length - 1) / ((steady[steady.length - 1]! - steady[0]!) / 1000);
  assert.ok(rate > 1.5 && rate < 2.6, `measured ${rate.toFixed(2)} frames/s for 2 configured`);
  const h = src.health();
  assert.equal(h.keyframesOnly, false, 'GOP 1 s > 0.5 s sample interval: full decode');
  assert.equal(h.gopSeconds, 1);
  await src.stop();
  assert.equal(src.health().state, 'stopped');
  await srv.close();
});

test('killed server → down, restarted → live; 20 cycles, 20 recoveries, no leaked ffmpeg', async () => {
  const srv = await startRtspServer(18552, 'cycle');
  servers.push(srv);
  const stallMs = 4000;
  const src = makeSource(rtspCamera('rtsp-cycle', srv.url, 2), stallMs);
  src.start();
  await waitFor('first live', () => src.health().state === 'live', 20000);
  const downTimes: number[] = [];
  const upTimes: number[] = [];
  for (let cycle = 0; cycle < 20; cycle++) {
    const killedAt = Date.now();
    await srv.kill();
    await waitFor(`down (cycle ${cycle})`, () => src.health().state === 'down', stallMs + 5000, 50);
    downTimes.push(Date.now() - killedAt);
    const restartAt = Date.now();
    await srv.restart();
    await waitFor(`live again (cycle ${cycle})`, () => src.health().state === 'live', 10000, 50);
    upTimes.push(Date.now() - restartAt);
    assert.ok(childFfmpegPids().length <= 1, `ffmpeg children ${childFfmpegPids()}`);
  }
  const h = src.health();
  assert.equal(h.recoveries, 20);
  assert.match(h.lastError ?? '', /stream ended|connection refused|connection reset/);
  console.log(`down after kill: max ${Math.max(...downTimes)} ms; live after restart: max ${Math.max(...upTimes)} ms, mean ${Math.round(upTimes.reduce((a, b) => a + b, 0) / upTimes.length)} ms`);
  await src.stop();
  await waitFor('no ffmpeg left', () => childFfmpegPids().length === 0 && liveChildPids().length === 0, 5000);
  await srv.close();
});

test('frozen server (SIGSTOP) → stalled, recovered after SIGCONT', async () => {
  const srv = await startRtspServer(18553, 'freeze');
  servers.push(srv);
  const src = makeSource(rtspCamera('rtsp-freeze', srv.url, 2), 3000);
  src.start();
  // Frozen once the watchdog knows the camera's rate: before two frames it waits the upper bound.
  await waitFor('live, rate known', () => src.health().state === 'live' && src.health().frameIntervalMs !== undefined, 20000);
  srv.stop();
  await waitFor('stalled', () => src.health().state === 'stalled', 15000, 50).catch((e: Error) => {
    throw new Error(`${e.message}; history ${JSON.stringify(src.health().history)}`);
  });
  assert.match(src.health().lastError ?? '', /no frame for/);
  // While frozen, attempts fail (socket timeout / connect watchdog) and nothing leaks.
  await new Promise((r) => setTimeout(r, 4000));
  assert.notEqual(src.health().state, 'live');
  assert.ok(childFfmpegPids().length <= 2, `ffmpeg children ${childFfmpegPids()}`);
  srv.cont();
  await waitFor('live after SIGCONT', () => src.health().state === 'live', 30000, 100);
  const h = src.health();
  assert.ok(h.stalls >= 1 && h.recoveries >= 1);
  await src.stop();
  await waitFor('no ffmpeg left', () => childFfmpegPids().length === 0, 5000);
  await srv.close();
});

test('RTSP over UDP is selectable and delivers frames', async () => {
  const srv = await startRtspServer(18554, 'udp');
  servers.push(srv);
  const src = makeSource(rtspCamera('rtsp-udp', srv.url, 1, 'udp'), 5000);
  let n = 0;
  src.on('frame', (f) => {
    assert.equal(f.sourceWidth, 768);
    n++;
  });
  src.start();
  await waitFor('4 frames over UDP', () => n >= 4, 30000);
  assert.equal(src.health().state, 'live');
  await src.stop();
  await srv.close();
});
