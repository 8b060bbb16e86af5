// Real YOLOX-nano on vtest frames with a van driven across and debris appearing behind it
// (composite): one spill hit linked to the truck's best frame; no hit without the truck or
// without debris.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadDetector } from '../../src/inference/detectors.ts';
import type { Detector } from '../../src/inference/types.ts';
import { BASE_TIME, compositeSpill } from '../../src/analytics/eval/cases.ts';
import { runCase } from '../../src/analytics/eval/runner.ts';

let objects: Detector;
before(async () => {
  objects = await loadDetector('yolox-nano', { threads: 2 });
});
after(async () => {
  await objects?.close();
});

test('debris behind a passing truck: one hit after persistence, linked to the truck', { timeout: 300_000 }, async () => {
  const r = await runCase(compositeSpill({ truck: true, debris: true }), { objects });
  const opened = r.events.filter((e) => e.event === 'opened');
  assert.equal(opened.length, 1);
  assert.equal(r.tp, 1);
  const a = opened[0]!.attributes;
  const bestAt = ((a.truckBestFrameAt as number) - BASE_TIME) / 1000;
  assert.ok(bestAt >= 8 && bestAt <= 16, `truck best frame at ${bestAt} s; it drove 8–16 s`);
  assert.ok((opened[0]!.at - BASE_TIME) / 1000 >= 13 + 20, 'not before the debris persisted 20 s');
});

test('controls: truck without debris, debris without truck: no hit', { timeout: 300_000 }, async () => {
  assert.equal((await runCase(compositeSpill({ truck: true, debris: false }), { objects })).opened, 0);
  assert.equal((await runCase(compositeSpill({ truck: false, debris: true }), { objects })).opened, 0);
});
