import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CameraManager, type ReloadResult } from '../../src/ingest/camera-manager.ts';
import type { FfmpegSourceHealth } from '../../src/ingest/ffmpeg-source.ts';
import { waitFor, childFfmpegPids } from '../support/wait.ts';
import { VTEST } from '../support/rtsp-server.ts';

let dir = '';
let manager: CameraManager | undefined;
after(async () => {
  await manager?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const cam = (id: string, fps = 1, extra = '') => `
  - id: ${id}
    name: ${id}
    location: { district: d, street: s }
    source: { kind: file, path: ${VTEST}, loop: true }
    sampling: { fps: ${fps} }${extra}`;

function pidOf(m: CameraManager, id: string): number | undefined {
  return (m.health().find((h) => h.cameraId === id) as FfmpegSourceHealth | undefined)?.pid;
}

test('hot reload: add, change, remove and broken files without touching other cameras', async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'huiyan-reload-'));
  await writeFile(path.join(dir, 'a.yaml'), `cameras:${cam('a1')}${cam('a2')}`);
  await writeFile(path.join(dir, 'b.yaml'), `cameras:${cam('b1')}`);
  const m = (manager = new CameraManager({ configDir: dir, debounceMs: 200 }));
  const reloads: ReloadResult[] = [];
  m.on('reload', (r: ReloadResult) => reloads.push(r));
  const first = await m.start();
  assert.deepEqual(first.added.sort(), ['a1', 'a2', 'b1']);
  const allLive = () => m.health().length > 0 && m.health().every((h) => h.state === 'live');
  await waitFor('3 cameras live', () => m.health().length === 3 && allLive(), 30000);
  const pids = { a1: pidOf(m, 'a1'), a2: pidOf(m, 'a2'), b1: pidOf(m, 'b1') };
  const nextReload = async (what: string) => {
    const n = reloads.length;
    return waitFor(what, () => reloads.length > n && reloads[reloads.length - 1], 15000);
  };

  // Change a2's sampling rate: only a2 restarts.
  let r = nextReload('reload after change');
  await writeFile(path.join(dir, 'a.yaml'), `cameras:${cam('a1')}${cam('a2', 2)}`);
  let res = await r;
  assert.deepEqual(res.changed, ['a2']);
  await waitFor('a2 live again', () => m.health().find((h) => h.cameraId === 'a2')?.state === 'live', 30000);
  assert.notEqual(pidOf(m, 'a2'), pids.a2);
  assert.equal(pidOf(m, 'a1'), pids.a1);
  assert.equal(pidOf(m, 'b1'), pids.b1);

  // Add b2 next to b1.
  r = nextReload('reload after add');
  await writeFile(path.join(dir, 'b.yaml'), `cameras:${cam('b1')}${cam('b2')}`);
  res = await r;
  assert.deepEqual(res.added, ['b2']);
  await waitFor('b2 live', () => m.health().find((h) => h.cameraId === 'b2')?.state === 'live', 30000);
  assert.equal(pidOf(m, 'b1'), pids.b1);

  // Break a.yaml (a1 gets an invalid zone, then a syntax error): reported, a1 and a2 keep running.
  r = nextReload('reload after bad camera');
  await writeFile(path.join(dir, 'a.yaml'), `cameras:${cam('a1', 1, '\n    zones: [{ id: z, type: no-vending, polygon: [[0,0],[2,0],[1,1]] }]')}${cam('a2', 2)}`);
  res = await r;
  assert.ok(res.issues.some((i) => i.file.endsWith('a.yaml') && i.path.startsWith('cameras[0].zones')), JSON.stringify(res.issues));
  assert.deepEqual(res.removed, []);
  r = nextReload('reload after syntax error');
  await writeFile(path.join(dir, 'a.yaml'), 'cameras:\n  - id: [oops\n');
  res = await r;
  assert.ok(res.issues.length > 0);
  assert.deepEqual(res.removed, []);
  assert.equal(pidOf(m, 'a1'), pids.a1);
  assert.ok(m.cameras().some((c) => c.id === 'a2' && c.sampling.fps === 2), 'a2 keeps its last good config');

  // Remove b.yaml: b1 and b2 stop, their ring buffers are dropped.
  assert.ok(m.ring.latest('b1'));
  r = nextReload('reload after removal');
  await unlink(path.join(dir, 'b.yaml'));
  res = await r;
  assert.deepEqual(res.removed.sort(), ['b1', 'b2']);
  assert.deepEqual(m.health().map((h) => h.cameraId).sort(), ['a1', 'a2']);
  assert.equal(m.ring.latest('b1'), undefined);
  assert.equal(pidOf(m, 'a1'), pids.a1);
  assert.ok(m.ring.latest('a1'), 'ring buffer holds a1 frames');

  await m.stop();
  manager = undefined;
  await waitFor('no ffmpeg left', () => childFfmpegPids().length === 0, 5000);
});
