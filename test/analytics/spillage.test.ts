// Real YOLOX-nano on vtest frames with a van driven across and debris appearing behind it
// (composite): one spill hit linked to the truck's best frame; no hit without the truck or
// without debris.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_TIME, compositeSpill } from '../../tools/eval/cases.ts';
import { runCase } from '../../tools/eval/runner.ts';
import { yoloxNano } from './support.ts';

const models = yoloxNano();

test('debris behind a passing truck: one hit after persistence, linked to the truck', { timeout: 300_000 }, async () => {
  const r = await runCase(compositeSpill({ truck: true, debris: true }), models);
  const opened = r.events.filter((e) => e.event === 'opened');
  assert.equal(opened.length, 1);
  assert.equal(r.tp, 1);
  const hit = opened[0]!;
  assert.ok(hit.rule === 'spillage');
  const bestAt = (hit.attributes.truckBestFrameAt - BASE_TIME) / 1000;
  assert.ok(bestAt >= 8 && bestAt <= 16, `truck best frame at ${bestAt} s; it drove 8–16 s`);
  assert.ok((opened[0]!.at - BASE_TIME) / 1000 >= 13 + 20, 'not before the debris persisted 20 s');
});

test('controls: truck without debris, debris without truck: no hit', { timeout: 300_000 }, async () => {
  assert.equal((await runCase(compositeSpill({ truck: true, debris: false }), models)).opened, 0);
  assert.equal((await runCase(compositeSpill({ truck: false, debris: true }), models)).opened, 0);
});
