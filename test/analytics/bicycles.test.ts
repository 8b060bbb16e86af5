// 非机动车乱停放 with the real YOLOX-nano on composites of real imagery: motorbikes cut from
// real street photos (overflow/train) parked on the vtest walkway while people walk by. Three
// standing past the dwell give one hit with the count; two, or three gone before the dwell,
// give none; an e-bike the detector sees as bicycle and motorcycle counts once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HitEvent } from '../../src/contracts/hit.ts';
import { BASE_TIME, compositeBicycles } from '../../tools/eval/cases.ts';
import { runCase } from '../../tools/eval/runner.ts';
import { paste } from '../../tools/eval/paste.ts';
import { yoloxNano } from './support.ts';

const models = yoloxNano();

test('three motorbikes parked 5–80 s, ≥ 3 for 20 s: one hit for the zone, with the count, open to the end', { timeout: 300_000 }, async () => {
  const r = await runCase(compositeBicycles({ count: 3 }), models);
  const opened = r.events.filter((e) => e.event === 'opened');
  assert.equal(opened.length, 1, `opened: ${JSON.stringify(opened.map((e) => e.attributes))}`);
  assert.equal(r.tp, 1);
  const hit = HitEvent.parse(JSON.parse(JSON.stringify(opened[0])));
  assert.ok(hit.rule === 'bicycles');
  const at = (hit.at - BASE_TIME) / 1000;
  assert.ok(at >= 25 && at < 30, `opened at ${at} s: the bikes stand from 5 s, dwell 20 s`);
  assert.equal(hit.attributes.peakVehicles, 3);
  assert.equal(hit.attributes.bicycles + hit.attributes.motorcycles, 3);
  // The evidence draws the three two-wheelers.
  assert.equal(hit.detections.length, 3);
  assert.ok(hit.detections.every((d) => ['bicycle', 'motorcycle'].includes(d.className)), JSON.stringify(hit.detections));
  assert.ok(r.events.every((e) => e.hitId === hit.hitId && e.event !== 'cleared'), JSON.stringify(r.events.map((e) => [e.event, (e.at - BASE_TIME) / 1000])));
});

test('two motorbikes only (under the threshold of 3): no hit; three counted against 4: none either (no bike counted twice)', { timeout: 300_000 }, async () => {
  const two = await runCase(compositeBicycles({ count: 2 }), models);
  assert.equal(two.opened, 0, JSON.stringify(two.events.map((e) => e.attributes)));
  const three = await runCase(compositeBicycles({ count: 3, minVehicles: 4 }), models);
  assert.equal(three.opened, 0, JSON.stringify(three.events.map((e) => e.attributes)));
});

test('three motorbikes taken away after 15 s, before the 20 s dwell: no hit', { timeout: 300_000 }, async () => {
  const r = await runCase(compositeBicycles({ count: 3, from: 5, to: 20 }), models);
  assert.equal(r.opened, 0, JSON.stringify(r.events.map((e) => e.attributes)));
});

test('a motorbike hidden for 6 s (a grey block over it, composite) keeps its dwell', { timeout: 300_000 }, async () => {
  const c = compositeBicycles({ count: 3 });
  const block = { data: Buffer.alloc(200 * 170 * 3, 128), width: 200, height: 170 };
  const hidden: typeof c = {
    ...c,
    async *samples() {
      for await (const s of c.samples()) yield s.t >= 15 && s.t < 21 ? { ...s, image: paste(s.image, block, 20, 325) } : s;
    },
  };
  const r = await runCase(hidden, models);
  const opened = r.events.filter((e) => e.event === 'opened');
  assert.equal(opened.length, 1);
  const at = (opened[0]!.at - BASE_TIME) / 1000;
  assert.ok(at < 30, `opened at ${at} s: a hidden bike must not restart the dwell (it would open after 41 s)`);
});
