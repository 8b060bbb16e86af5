// Tracker, schedules and dedup on constructed inputs: the logic the rules build on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tracker } from '../../src/analytics/tracker.ts';
import { isEnforced, localTime } from '../../src/analytics/schedule.ts';
import { HitDeduper, type Finding } from '../../src/analytics/dedup.ts';
import type { Box, Detection } from '../../src/inference/types.ts';

const det = (box: Box, score = 0.9, label: Detection['label'] = 'person'): Detection => ({ box, score, classId: 0, className: label, label, modelId: 't' });

test('tracker keeps one id for a walking person, predicts through a gap, and measures stationarity', () => {
  const tr = new Tracker();
  const ids = new Set<number>();
  for (let i = 0; i < 10; i++) {
    if (i === 5) {
      tr.update([], i * 1000); // missed detection
      continue;
    }
    const x = 100 + i * 12;
    const t = tr.update([det([x, 100, x + 30, 180])], i * 1000);
    if (i >= 1) ids.add(t[0]!.id);
  }
  assert.equal(ids.size, 1, 'one identity across the walk and the gap');
  const walker = tr.all()[0]!;
  assert.ok(Tracker.stationaryFor(walker, 9000) < 2000, 'a walker is not stationary');

  const st = new Tracker();
  for (let i = 0; i < 30; i++) st.update([det([300 + (i % 2) * 3, 100, 330 + (i % 2) * 3, 180])], i * 1000);
  assert.ok(Tracker.stationaryFor(st.all()[0]!, 29000) >= 29000, 'jitter within tolerance keeps it stationary');
});

test('low-score boxes continue a confirmed track but never start one', () => {
  const tr = new Tracker();
  tr.update([det([0, 0, 10, 10], 0.2)], 0);
  tr.update([det([0, 0, 10, 10], 0.2)], 1000);
  assert.equal(tr.all().length, 0);
  tr.update([det([0, 0, 10, 10])], 2000);
  tr.update([det([0, 0, 10, 10])], 3000);
  tr.update([det([20, 0, 30, 10], 0.2)], 4000);
  const t = tr.all()[0]!;
  assert.deepEqual(t.confidentBox, [0, 0, 10, 10], 'zone membership keeps the last confident box');
});

test('schedules in Asia/Shanghai, including windows past midnight', () => {
  const mon10 = Date.UTC(2026, 10, 23, 2, 0); // Monday 10:00 in Shanghai
  assert.deepEqual(localTime(mon10), { day: 1, minutes: 600 });
  assert.equal(isEnforced([{ days: [1, 2, 3, 4, 5, 6, 7], from: '07:00', to: '22:00' }], mon10), true);
  assert.equal(isEnforced([{ days: [6, 7], from: '07:00', to: '22:00' }], mon10), false);
  const tue0130 = Date.UTC(2026, 10, 23, 17, 30); // Tuesday 01:30 in Shanghai
  assert.equal(isEnforced([{ days: [1], from: '22:00', to: '02:00' }], tue0130), true, "Monday night's window");
  assert.equal(isEnforced([{ days: [2], from: '22:00', to: '02:00' }], tue0130), false);
  assert.equal(isEnforced([], tue0130), true);
});

test('dedup: one hit per place, cleared after silence, cooldown at the same place only', () => {
  const d = new HitDeduper('cam', () => 60_000, { clearAfterMs: 10_000, updateIntervalMs: 30_000 });
  const f = (box: Box): Finding => ({ rule: 'vending', zoneId: 'z', box, since: 0, score: 0.8, detections: [], models: [], thresholds: {}, attributes: { trackIds: [], persons: 1, objects: ['umbrella'] } });
  const a = f([0, 0, 100, 100]);
  const ev = d.openHit(a, 0);
  assert.equal(ev.event, 'opened');
  assert.ok(d.match(f([5, 5, 102, 98])), 'same place matches the open hit');
  assert.equal(d.match(f([300, 300, 400, 400])), undefined);
  assert.equal(d.refresh(d.match(a)!, a, 5_000), undefined, 'no update event before the interval');
  assert.equal(d.refresh(d.match(a)!, a, 31_000)?.seq, 1);
  assert.deepEqual(d.expire(35_000), []);
  const cleared = d.expire(41_000);
  assert.equal(cleared[0]?.event, 'cleared');
  assert.equal(cleared[0]?.seq, 2);
  assert.equal(d.coolingDown(a, 60_000), true);
  assert.equal(d.coolingDown(f([300, 300, 400, 400]), 60_000), false);
  assert.equal(d.coolingDown(a, 102_000), false);
});
