import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PatrolScheduler } from '../../src/ingest/patrol.ts';
import { PatrolRunner } from '../../src/ingest/patrol-runner.ts';
import { CameraManager } from '../../src/ingest/camera-manager.ts';
import type { Frame } from '../../src/ingest/types.ts';
import { waitFor, waitForProgress, childFfmpegPids } from '../support/wait.ts';
import { VTEST } from '../support/rtsp-server.ts';

function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

test('rotation respects the budget, favours key points and hits, and holds pending cameras', () => {
  const c = clock();
  const p = new PatrolScheduler({ maxConcurrent: 2, maxSamplesPerSecond: 3, dwellMs: 10_000 }, c.now);
  const cams = Array.from({ length: 6 }, (_, i) => ({ id: `c${i}`, fps: i === 5 ? 2 : 1, keyPoint: i === 4 }));
  p.setCameras(cams);
  const visits: string[][] = [];
  for (let i = 0; i < 60; i++) {
    const active = p.tick();
    assert.ok(active.length <= 2);
    const fps = active.reduce((s, id) => s + cams.find((x) => x.id === id)!.fps, 0);
    assert.ok(fps <= 3, `samples/s ${fps} over budget`);
    visits.push(active);
    c.advance(1000);
  }
  assert.ok(visits[0]!.includes('c4'), 'the key point goes first');
  const cov = p.coverage();
  assert.ok(cov.every((x) => x.visits >= 1), JSON.stringify(cov));
  const key = cov.find((x) => x.cameraId === 'c4')!;
  const plain = cov.filter((x) => x.cameraId !== 'c4' && x.cameraId !== 'c5');
  assert.ok(plain.every((x) => key.visits > x.visits), `key point visited more often: ${JSON.stringify(cov)}`);

  // A hit raises priority; a hold keeps the camera past its dwell until released.
  p.reportHit('c2');
  let active = p.tick();
  for (let i = 0; i < 30 && !active.includes('c2'); i++) {
    c.advance(1000);
    active = p.tick();
  }
  assert.ok(active.includes('c2'));
  p.hold('c2', c.now() + 60_000);
  for (let i = 0; i < 40; i++) {
    c.advance(1000);
    assert.ok(p.tick().includes('c2'), `held camera rotated out after ${i + 1} s`);
  }
  p.release('c2');
  c.advance(1000);
  assert.ok(!p.tick().includes('c2'));
  // With one slot held, the others shared the second slot: each waited at least a dwell.
  const gaps = p.coverage().filter((x) => x.cameraId !== 'c2').map((x) => x.longestRevisitMs);
  assert.ok(gaps.every((g) => g >= 10_000), `revisit gaps ${gaps}`);
});

let dir = '';
let manager: CameraManager | undefined;
let runner: PatrolRunner | undefined;
after(async () => {
  runner?.stop();
  await manager?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('patrol over 40 file cameras with a budget of 8 visits every camera and reports coverage', async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'huiyan-patrol-'));
  const cams = Array.from({ length: 40 }, (_, i) => `
  - id: p${String(i).padStart(2, '0')}
    name: p${i}
    location: { district: d, street: s }
    source: { kind: file, path: ${VTEST}, loop: true }
    sampling: { fps: 1, keyframesOnly: false }
    keyPoint: ${i < 2}`).join('');
  await writeFile(path.join(dir, 'fleet.yaml'), `cameras:${cams}`);
  manager = new CameraManager({ configDir: dir });
  await manager.setActive([]); // nothing runs until the patrol picks
  await manager.start();
  const framesBy = new Map<string, number>();
  manager.on('frame', (f: Frame) => framesBy.set(f.cameraId, (framesBy.get(f.cameraId) ?? 0) + 1));
  let maxRunning = 0;
  manager.on('started', () => (maxRunning = Math.max(maxRunning, manager!.health().length)));
  runner = new PatrolRunner(manager, { maxConcurrent: 8, maxSamplesPerSecond: 8, dwellMs: 3000 }, 250);
  runner.start();
  // Under load each turn takes longer: wait as long as new cameras keep delivering frames.
  const { ms } = await waitForProgress('cameras that delivered frames', () => framesBy.size, 40, { stallMs: 60_000 });
  runner.stop();
  const cov = runner.coverage();
  assert.equal(cov.length, 40);
  assert.ok(cov.every((c) => c.visits >= 1));
  assert.ok(maxRunning <= 8, `at most 8 streams at once, saw ${maxRunning}`);
  const worst = Math.max(...cov.map((c) => c.longestRevisitMs));
  const keyVisits = cov.filter((c) => c.cameraId < 'p02').map((c) => c.visits);
  console.log(`coverage: 40 cameras, budget 8, dwell 3 s: all delivered after ${(ms / 1000).toFixed(1)} s; longest revisit ${(worst / 1000).toFixed(1)} s; key point visits ${keyVisits}; frames ${[...framesBy.values()].reduce((a, b) => a + b, 0)}`);
  await manager.stop();
  manager = undefined;
  await waitFor('no ffmpeg left', () => childFfmpegPids().length === 0, 5000);
});
