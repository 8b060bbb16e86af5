// Real YOLOX-nano on real vtest frames: people walking by never make a stall; the stall
// composite makes exactly one alert after the dwell and one cleared event after it leaves.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadDetector } from '../../src/inference/detectors.ts';
import type { Detector } from '../../src/inference/types.ts';
import { BASE_TIME, compositeStall, vtestSidewalk } from '../../src/analytics/eval/cases.ts';
import { runCase } from '../../src/analytics/eval/runner.ts';
import { HitEvent } from '../../src/analytics/hit.ts';

let objects: Detector;
before(async () => {
  objects = await loadDetector('yolox-nano', { threads: 2 });
});
after(async () => {
  await objects?.close();
});

test('vtest.avi, sidewalk zone, 60 s dwell: 0 vending alerts', { timeout: 300_000 }, async () => {
  const r = await runCase(vtestSidewalk(), { objects });
  assert.ok(r.samples > 300, `expected the clip played twice at 2 fps, got ${r.samples} samples`);
  assert.equal(r.opened, 0, `unexpected alerts: ${JSON.stringify(r.events.map((e) => e.attributes))}`);
});

test('composite stall: exactly 1 alert after the dwell, 1 cleared after it leaves', { timeout: 300_000 }, async () => {
  const c = compositeStall();
  const r = await runCase(c, { objects });
  const opened = r.events.filter((e) => e.event === 'opened');
  const cleared = r.events.filter((e) => e.event === 'cleared');
  assert.equal(opened.length, 1, `opened: ${opened.length}`);
  assert.equal(cleared.length, 1, `cleared: ${cleared.length}`);
  const openAt = (opened[0]!.at - BASE_TIME) / 1000;
  const clearAt = (cleared[0]!.at - BASE_TIME) / 1000;
  assert.ok(openAt >= 80 && openAt < 110, `opened at ${openAt} s; the stall appears at 20 s, dwell 60 s`);
  assert.ok(clearAt >= 110 && clearAt <= 140, `cleared at ${clearAt} s; the stall leaves at 110 s`);
  assert.equal(r.tp, 1);
  // One hit id from opened to cleared, seq strictly increasing, every event valid on the wire.
  const mine = r.events.filter((e) => e.hitId === opened[0]!.hitId);
  assert.equal(mine.length, r.events.length);
  mine.forEach((e, i) => {
    assert.equal(e.seq, i);
    HitEvent.parse(JSON.parse(JSON.stringify(e)));
  });
  assert.ok((opened[0]!.attributes.objects as string[]).includes('umbrella'));
});
