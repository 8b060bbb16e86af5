// The acceptance matrix, part 2: the types added after the first four, file sources, through
// `huiyan serve` (test/e2e/support/matrix.ts), in a serve of their own. Each positive raises
// exactly one case whose evidence verifies, seen by the officer of its district only; each
// negative (✗) plays its footage to the end and no case, nor hit for review, comes.
//
//   | rule         | file | footage
//   | parking      |  ✓ ✗ | vtest.avi itself: the parked van; two evidence moments a dwell apart; ✗ the zone on the road
//   | crowding     |  ✓ ✗ | vtest.avi itself: ≥ 6 people on the square for 15 s; the peak count in the case; ✗ ≥ 12
//   | bicycles     |  ✓ ✗ | composite: 3 motorbikes parked on the walkway; ✗ only 2, under the threshold of 3
//   | materials    |  ✓ ✗ | composite: a dumped box on the walkway; ✗ vtest.avi itself, people walk and stand
//   | outside_shop |  ✓ ✗ | composite: a parasol beyond the frontage line, the bound shop the case's party;
//   |              |      | ✗ the same parasol on the shop's side of the line
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SHOP_LICENCE_NO } from '../../tools/eval/cases.ts';
import { dbOptionsFromEnv, openCaseStore } from '../../src/cases/index.ts';
import { PartyRegistry } from '../../src/cases/parties/index.ts';
import { file, JA, manifestOf, MatrixSite, XH } from './support/matrix.ts';
import { casesOf, getJson } from './support/api.ts';
import type { CellCamera } from './support/footage.ts';

const PARKING_DWELL_S = 35;
const m = new MatrixSite();

before(async () => {
  const site = await m.open('matrix_types'); // the tag names a PostgreSQL schema: no hyphen
  const cams: CellCamera[] = [
    // A dwell longer than the frame ring's 30 s: the van's first moment must be kept for the evidence.
    { id: 'parking-file', district: JA, scene: 'parking', wait: PARKING_DWELL_S, source: await file('parking') },
    // The zone on the road where only people pass: no case.
    { id: 'parking-road', district: JA, scene: 'parking-road', wait: PARKING_DWELL_S, source: await file('parking-road') },
    // The second gathering (from ~51 s) falls in the zone's cooldown: still one case.
    { id: 'crowding-file', district: XH, scene: 'crowd', wait: 15, source: await file('crowd') },
    // The same square with a threshold of 12 people (at most 9 are there at once): no case.
    { id: 'crowding-sparse', district: XH, scene: 'crowd-sparse', wait: 15, source: await file('crowd-sparse') },
    { id: 'bicycles-file', district: JA, scene: 'bikes', source: await file('bikes') },
    { id: 'bicycles-none', district: JA, scene: 'bikes-two', source: await file('bikes-two') },
    { id: 'materials-file', district: XH, scene: 'pile', source: await file('pile') },
    { id: 'materials-none', district: XH, scene: 'no-pile', source: await file('no-pile') },
    { id: 'outside-shop-file', district: JA, scene: 'shopfront', source: await file('shopfront') },
    { id: 'outside-shop-inside-file', district: JA, scene: 'shopfront-inside', source: await file('shopfront-inside') },
  ];
  // The shop the frontage zones are bound to, registered before the cameras start (cases link to their party when filed).
  const store = await openCaseStore(dbOptionsFromEnv(site.env));
  try {
    await new PartyRegistry(store.db).create({ kind: 'shop', name: '矩阵测试便利店', licenceNo: SHOP_LICENCE_NO, district: JA }, 'user:matrix');
  } finally {
    await store.close();
  }
  await m.start(cams);
}, { timeout: 900_000 });

after(() => m.close(), { timeout: 120_000 });

describe('acceptance matrix through huiyan serve: the later types', { concurrency: 1 }, () => {
  it('parking × file: the van in place at the dwell\'s start and end', { timeout: 540_000 }, async () => {
    const text = await m.cell('parking-file', 'parking');
    const manifest = manifestOf(text);
    const start = manifest.frames.find((f) => f.role === 'before');
    const end = manifest.frames.find((f) => f.role === 'at');
    assert.ok(start && end, `frames: ${JSON.stringify(manifest.frames.map((f) => f.role))}`);
    assert.ok(Math.abs(start.capturedAt - Number(manifest.hit.attributes.stoppedAt)) <= 1000, 'the first frame is the moment the van stood');
    assert.ok(end.capturedAt - start.capturedAt >= (PARKING_DWELL_S - 1) * 1000, `moments ${start.capturedAt} → ${end.capturedAt}`);
  });
  it('parking × file, the zone on the road where only people pass: no case', { timeout: 540_000 }, async () => m.noCase('parking-road'));
  it('crowding × file, the peak count in the case', { timeout: 540_000 }, async () => {
    const text = await m.cell('crowding-file', 'crowding');
    const manifest = manifestOf(text);
    assert.ok(Number(manifest.hit.attributes.peakPersons) >= 6, JSON.stringify(manifest.hit.attributes));
  });
  it('crowding × file, a threshold of 12 people (at most 9 are there): no case', { timeout: 540_000 }, async () => m.noCase('crowding-sparse'));
  it('bicycles × file, the count in the case', { timeout: 540_000 }, async () => {
    const text = await m.cell('bicycles-file', 'bicycles');
    const manifest = manifestOf(text);
    assert.equal(manifest.hit.attributes.peakVehicles, 3, JSON.stringify(manifest.hit.attributes));
  });
  it('bicycles × file, two motorbikes only: no case', { timeout: 540_000 }, async () => m.noCase('bicycles-none'));
  it('materials × file', { timeout: 540_000 }, async () => void (await m.cell('materials-file', 'materials')));
  it('materials × file, vtest.avi itself (people walk and stand): no case', { timeout: 540_000 }, async () => m.noCase('materials-none'));
  it('outside_shop × file, the bound shop the case\'s party', { timeout: 540_000 }, async () => {
    const text = await m.cell('outside-shop-file', 'outside_shop');
    const manifest = manifestOf(text);
    assert.equal(manifest.hit.attributes.partyLicenceNo, SHOP_LICENCE_NO);
    const [c] = await casesOf(m.url, m.admin, 'outside-shop-file');
    const party = await getJson<{ link: string; party: { name: string; licenceNo: string } | null }>(`${m.url}/api/cases/${c!.id}/party`, m.admin);
    assert.equal(party.status, 200, JSON.stringify(party.body));
    assert.equal(party.body.link, 'zone');
    assert.equal(party.body.party?.licenceNo, SHOP_LICENCE_NO);
  });
  it('outside_shop × file, the parasol on the shop\'s side of the line: no case', { timeout: 540_000 }, async () => m.noCase('outside-shop-inside-file'));
});
