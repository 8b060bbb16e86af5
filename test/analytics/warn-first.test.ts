// Warn-first zones at the detector: the first sight of the violation at or after the end of
// its correction period sends one `updated` event marked evidenceDue (its frame is the "after"
// evidence), once even across a restart; its clear is marked too. Other zones send neither.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HitDeduper, type Finding } from '../../src/analytics/dedup.ts';

const finding = (zoneId: string): Finding => ({
  zoneId, box: [100, 100, 200, 300], since: 0, score: 0.8, models: ['tracker'], thresholds: {},
  detections: [{ box: [100, 100, 200, 300], score: 0.8, classId: 0, className: 'person', label: 'person', modelId: 'yolox-nano' }],
  rule: 'vending', attributes: { trackIds: [1], persons: 1, objects: [] },
});

test('warn-first: one evidenceDue update after the correction period, kept across a restart; the clear is marked', () => {
  const correction = (z: string) => (z === 'warn' ? 10_000 : undefined);
  const d = new HitDeduper('cam', () => 0, { updateIntervalMs: 60_000 }, correction);
  const open = d.openHit(finding('warn'), 1_000);
  assert.equal(open.evidenceDue, undefined, 'the opened event carries its frames anyway');
  const plain = d.openHit({ ...finding('plain'), box: [600, 100, 700, 300] }, 1_000);
  assert.equal(d.refresh(d.match(finding('warn'))!, finding('warn'), 10_999), undefined, 'inside the period: nothing');
  const due = d.refresh(d.match(finding('warn'))!, finding('warn'), 11_000);
  assert.equal(due?.event, 'updated');
  assert.equal(due?.evidenceDue, true);
  assert.equal(due?.lastSeenAt, 11_000);
  assert.equal(d.refresh(d.match(finding('warn'))!, finding('warn'), 12_000), undefined, 'sent once');
  const plainHit = d.match({ ...finding('plain'), box: [600, 100, 700, 300] })!;
  assert.equal(d.refresh(plainHit, { ...finding('plain'), box: [600, 100, 700, 300] }, 12_000), undefined, 'other zones: no such update');

  // A restarted detector takes the open hits back and does not send it again.
  const again = new HitDeduper('cam', () => 0, { updateIntervalMs: 60_000 }, correction);
  again.restore(d.snapshot(), 13_000);
  assert.equal(again.refresh(again.match(finding('warn'))!, finding('warn'), 14_000), undefined);
  const cleared = again.expire(14_000 + 60_000);
  const byZone = Object.fromEntries(cleared.map((e) => [e.zoneId, e]));
  assert.equal(byZone.warn?.event, 'cleared');
  assert.equal(byZone.warn?.evidenceDue, true, 'the place after it ended is evidence too');
  assert.equal(byZone.plain?.evidenceDue, undefined);
  assert.equal(plain.evidenceDue, undefined);
});
