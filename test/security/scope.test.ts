// Scope reaches totals, statistics and paging (real PostgreSQL): an officer scoped to two
// streets used to get district-wide totals and stats, and `limit=1` answered `items: []` with a
// nextCursor because the street filter ran after the page was cut.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { CAM_A, DISTRICT_A, PASSWORD, STREET_A, startHarness, type Harness } from '../api/support/harness.ts';

const STREET_2 = '北门街道';
const STREET_OUT = '南湖街道';

let h: Harness;
let cookie: string;
const mine: string[] = [];
before(async () => {
  h = await startHarness(0);
  await h.users.createUser({
    username: 'officer_streets', displayName: '队员 周 (两条街道)', role: 'officer', password: PASSWORD,
    scope: { districts: [DISTRICT_A], streets: [STREET_A, STREET_2] },
  });
  cookie = await h.login('officer_streets');
  // Oldest first: the two in-scope cases, then three newer ones on a street outside the scope.
  for (const street of [STREET_A, STREET_2]) mine.unshift((await h.raiseAlert(h, { ...CAM_A, street })).caseId);
  for (let i = 0; i < 3; i++) await h.raiseAlert(h, { ...CAM_A, street: STREET_OUT });
}, { timeout: 180_000 });
after(async () => h?.close(), { timeout: 60_000 });

const get = async (p: string) => {
  const r = await fetch(`${h.url}${p}`, { headers: { cookie } });
  assert.equal(r.status, 200, p);
  return r.json();
};

it('limit=1 pages through the in-scope cases only, with their total', async () => {
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await get(`/api/cases?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(page.total, 2);
    assert.equal(page.items.length, 1, 'a page with a next cursor is never empty');
    seen.push(page.items[0].id);
    cursor = page.nextCursor;
  } while (cursor && seen.length < 5);
  assert.deepEqual(seen, mine);
  const hits = await get('/api/hits?limit=1');
  assert.deepEqual([hits.total, hits.items.map((c: { id: string }) => c.id)], [2, [mine[0]]]);
});

it('statistics count only the in-scope streets', async () => {
  const s = await get('/api/stats');
  const sum = (rows: { count: number }[]) => rows.reduce((n, r) => n + r.count, 0);
  assert.deepEqual(s.byDistrict, [{ key: DISTRICT_A, count: 2 }]);
  assert.equal(sum(s.byType), 2);
  assert.equal(sum(s.byHour), 2);
  // The commander (no street scope) sees all five: the filter is the scope, not a bug in counting.
  const all = await (await fetch(`${h.url}/api/stats`, { headers: { cookie: await h.login('commander') } })).json();
  assert.equal(sum(all.byType), 5);
});
