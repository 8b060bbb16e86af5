// 人群聚集 with the real YOLOX-nano on real vtest frames: ≥ 6 people on the square for 15 s
// holds from about 10 s to 33 s and again after 50 s — one hit carrying the peak count, the
// second gathering held back by the zone's cooldown; ≥ 10 people never happens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HitEvent } from '../../src/contracts/hit.ts';
import { BASE_TIME, vtestCrowd } from '../../tools/eval/cases.ts';
import { runCase } from '../../tools/eval/runner.ts';
import { yoloxNano } from './support.ts';

const models = yoloxNano();

test('vtest square, ≥ 6 persons for 15 s: one hit with the peak count, cleared, no second alert in the cooldown', { timeout: 300_000 }, async () => {
  const r = await runCase(vtestCrowd(6), models);
  const opened = r.events.filter((e) => e.event === 'opened');
  assert.equal(opened.length, 1, `opened at ${opened.map((e) => (e.at - BASE_TIME) / 1000)}`);
  assert.equal(r.tp, 1);
  const events = r.events.map((e) => HitEvent.parse(JSON.parse(JSON.stringify(e))));
  const first = events[0]!;
  assert.ok(first.rule === 'crowding');
  assert.ok(first.attributes.peakPersons >= 6);
  assert.ok(first.at - first.startedAt >= 15_000);
  // The peak only rises while the crowd lasts; updates carry it.
  const peaks = events.filter((e) => e.event !== 'cleared').map((e) => (e.rule === 'crowding' ? e.attributes.peakPersons : 0));
  assert.deepEqual(peaks, [...peaks].sort((a, b) => a - b));
  assert.ok(Math.max(...peaks) >= 7, `peaks ${peaks}`);
  assert.ok(events.some((e) => e.event === 'cleared'), 'the crowd thins out after 33 s');
  assert.ok(r.events.every((e) => e.hitId === first.hitId));
});

test('vtest square, ≥ 10 persons: no hit', { timeout: 300_000 }, async () => {
  const r = await runCase(vtestCrowd(10), models);
  assert.equal(r.opened, 0, JSON.stringify(r.events.map((e) => e.attributes)));
});

test('vtest square, ≥ 6 persons, no cooldown: the second gathering (from 51 s) alerts again', { timeout: 300_000 }, async () => {
  const c = vtestCrowd(6);
  c.camera.zones[0]!.cooldownSeconds = 0;
  const r = await runCase(c, models);
  const opened = r.events.filter((e) => e.event === 'opened').map((e) => (e.at - BASE_TIME) / 1000);
  assert.equal(opened.length, 2, `opened at ${opened}`);
  assert.ok(opened[1]! >= 51 + 15, `opened at ${opened}`);
});
