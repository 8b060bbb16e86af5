// 店外经营 with the real YOLOX-nano on real vtest frames with a real parasol pasted in
// (composite): set down beyond the shop's frontage line it gives exactly one hit after the
// dwell, carrying the bound shop's licence number; on the shop's side of the line, none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HitEvent } from '../../src/contracts/hit.ts';
import { Camera } from '../../src/config/schema.ts';
import { sideOfLine } from '../../src/analytics/geometry.ts';
import { BASE_TIME, compositeShopfront, SHOP_FRONTAGE, SHOP_LICENCE_NO } from '../../tools/eval/cases.ts';
import { runCase } from '../../tools/eval/runner.ts';
import { yoloxNano } from './support.ts';

const models = yoloxNano();

test('parasol beyond the frontage line, 20 s dwell: one hit with the shop\'s licence number', { timeout: 300_000 }, async () => {
  const r = await runCase(compositeShopfront({ beyond: true, dwellSeconds: 20 }), models);
  const opened = r.events.filter((e) => e.event === 'opened');
  assert.equal(opened.length, 1, `opened: ${JSON.stringify(opened.map((e) => e.attributes))}`);
  assert.equal(r.tp, 1);
  const hit = HitEvent.parse(JSON.parse(JSON.stringify(opened[0])));
  assert.ok(hit.rule === 'outside_shop');
  assert.equal(hit.attributes.partyLicenceNo, SHOP_LICENCE_NO);
  assert.deepEqual(hit.attributes.objects, ['umbrella']);
  // Set down at 3 s: it must rest 5 s before it counts, then stand the 20 s dwell.
  const at = (hit.at - BASE_TIME) / 1000;
  assert.ok(at >= 23 && at < 35, `opened at ${at} s`);
  assert.equal(hit.startedAt, hit.attributes.standingSince);
  assert.ok(hit.at - hit.startedAt >= 20_000);
  assert.ok(hit.detections.every((d) => d.className === 'umbrella'));
  // One place (the frontage): every later event is the same hit.
  assert.ok(r.events.every((e) => e.hitId === hit.hitId));
});

test('parasol on the shop\'s side of the line (its own forecourt): no hit', { timeout: 300_000 }, async () => {
  const r = await runCase(compositeShopfront({ beyond: false, dwellSeconds: 20 }), models);
  assert.equal(r.opened, 0, JSON.stringify(r.events.map((e) => e.attributes)));
});

test('the street side of a frontage line is the side of the picture it names', () => {
  const line = SHOP_FRONTAGE.map(([x, y]) => [x * 768, y * 576] as [number, number]);
  assert.equal(sideOfLine([205, 567], line), 'right', 'the pavement below the line');
  assert.equal(sideOfLine([166, 345], line), 'left', 'the lawn above it');
  // Past the ends the end segments extend the line; a bent line takes its nearest segment.
  assert.equal(sideOfLine([-50, 500], line), 'right');
  const bent: [number, number][] = [[0, 100], [100, 100], [100, 0]];
  assert.equal(sideOfLine([50, 150], bent), 'right');
  // East then north on the picture, a left turn: inside the corner is left, outside right.
  assert.equal(sideOfLine([150, 50], bent), 'right');
  assert.equal(sideOfLine([50, 50], bent), 'left');
  assert.equal(sideOfLine([50, 100], bent), undefined);
});

test('a shop-frontage zone needs its line, the street side and the bound shop; unknown keys are errors', () => {
  const cam = (zone: Record<string, unknown>) => Camera.safeParse({
    id: 'c', name: 'c', location: { district: 'd', street: 's' }, source: { kind: 'file', path: 'x' }, rules: ['outside_shop'],
    zones: [{ id: 'z', type: 'shop-frontage', polygon: [[0, 0], [1, 0], [1, 1]], frontage: [[0, 0.5], [1, 0.5]], streetSide: 'right', partyLicenceNo: SHOP_LICENCE_NO, ...zone }],
  });
  const ok = cam({});
  assert.ok(ok.success, JSON.stringify(ok.error?.issues));
  const z = ok.data.zones[0]!;
  assert.ok(z.type === 'shop-frontage' && z.dwellSeconds === 300 && z.minScore === 0.4);
  const refused = (zone: Record<string, unknown>, path: string) => {
    const r = cam(zone);
    assert.ok(!r.success && r.error.issues.some((i) => i.path.join('.').endsWith(path)), `${JSON.stringify(zone)}: ${JSON.stringify(r.error?.issues)}`);
  };
  refused({ frontage: [[0, 0.5]] }, 'frontage');
  refused({ streetSide: 'up' }, 'streetSide');
  refused({ partyLicenceNo: undefined }, 'partyLicenceNo');
  refused({ partyLicenceNo: ' ' }, 'partyLicenceNo');
  refused({ minPersons: 3 }, 'zones.0');
});
