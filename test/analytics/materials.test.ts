// 乱堆物料 with the real YOLOX-nano and the background model on vtest: a dumped box (cut from
// a real street photo, composite) left on the walkway gives one hit at its place after the
// persistence; the real clip alone — people walking and standing — gives none, nor does a box
// taken away before the persistence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HitEvent } from '../../src/contracts/hit.ts';
import { samePlace } from '../../src/analytics/dedup.ts';
import { BACKGROUND_MODEL } from '../../src/inference/registry.ts';
import { BASE_TIME, compositePile, PILE_BOX } from '../../tools/eval/cases.ts';
import { runCase } from '../../tools/eval/runner.ts';
import { yoloxNano } from './support.ts';

const models = yoloxNano();

test('a box dumped on the walkway at 10 s, 20 s persistence: one hit at the box, drawn as 堆放物料', { timeout: 300_000 }, async () => {
  const r = await runCase(compositePile({ from: 10 }), models);
  const opened = r.events.filter((e) => e.event === 'opened');
  assert.equal(opened.length, 1, JSON.stringify(opened.map((e) => [e.place.box, e.attributes])));
  assert.equal(r.tp, 1);
  const hit = HitEvent.parse(JSON.parse(JSON.stringify(opened[0])));
  assert.ok(hit.rule === 'materials');
  const at = (hit.at - BASE_TIME) / 1000;
  assert.ok(at >= 30 && at < 36, `opened at ${at} s`);
  assert.ok(samePlace(hit.place.box, PILE_BOX, 0.6), `${hit.place.box} vs ${PILE_BOX}`);
  assert.ok(hit.attributes.zoneFraction > 0.01, JSON.stringify(hit.attributes));
  assert.deepEqual(hit.detections.map((d) => [d.className, d.modelId]), [['materials', BACKGROUND_MODEL.id]]);
  assert.ok(r.events.every((e) => e.hitId === hit.hitId));
});

test('vtest.avi alone, people walking and standing on the paving: no hit', { timeout: 300_000 }, async () => {
  const r = await runCase(compositePile(), models);
  assert.equal(r.opened, 0, JSON.stringify(r.events.map((e) => [e.place.box, e.attributes])));
});

test('a box taken away after 15 s, before the 20 s persistence: no hit; nor a box under the zone\'s minimum area', { timeout: 300_000 }, async () => {
  const brief = await runCase(compositePile({ from: 10, to: 25 }), models);
  assert.equal(brief.opened, 0, JSON.stringify(brief.events.map((e) => e.attributes)));
  const c = compositePile({ from: 10 });
  const big = { ...c.camera.zones[0]!, minArea: 0.2 } as typeof c.camera.zones[0];
  const r = await runCase({ ...c, camera: { ...c.camera, zones: [big] } }, models);
  assert.equal(r.opened, 0, 'the box covers ~3 % of the zone: a 20 % minimum keeps it out');
});
