// Access by time (issue 16): a duty window refuses reads and changes outside it with 403
// `off_duty` (people and API keys alike; /api/me still answers), and a case-date range hides
// cases opened outside it as 404 and cuts lists and statistics in SQL. The clock is fixed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { CAM_A, DISTRICT_A, PASSWORD, startHarness, type Harness } from './support/harness.ts';
import { caseDateBounds, formatDuty, onDuty, parseDuty } from '../../src/api/auth/time-scope.ts';
import { PG_URL } from '../cases/stores.ts';
import { huiyan } from '../e2e/support/proc.ts';

// 2026-11-30 is a Monday. Shanghai = UTC+8.
const MON_10 = Date.parse('2026-11-30T02:00:00Z'); // Mon 10:00
const MON_19 = Date.parse('2026-11-30T11:00:00Z'); // Mon 19:00
const SAT_10 = Date.parse('2026-12-05T02:00:00Z'); // Sat 10:00

describe('duty windows (Asia/Shanghai)', () => {
  it('parses day lists and ranges, and prints them back', () => {
    const d = parseDuty('mon-fri 08:00-18:00');
    assert.deepEqual(d, { days: [1, 2, 3, 4, 5], from: '08:00', to: '18:00' });
    assert.equal(formatDuty(d), 'mon,tue,wed,thu,fri 08:00-18:00');
    assert.deepEqual(parseDuty('sat,sun 09:00-17:00').days, [6, 7]);
    assert.deepEqual(parseDuty('fri-mon 08:00-18:00').days, [1, 5, 6, 7]);
    assert.deepEqual(parseDuty('daily 20:00-06:00').days, [1, 2, 3, 4, 5, 6, 7]);
    for (const bad of ['mon-fri', 'mond 08:00-18:00', 'mon 25:00-26:00', 'mon 08:00-08:00']) assert.throws(() => parseDuty(bad), bad);
  });

  it('is in Shanghai time, end exclusive; a night shift belongs to the day it starts', () => {
    const day = parseDuty('mon-fri 08:00-18:00');
    assert.equal(onDuty(day, MON_10), true);
    assert.equal(onDuty(day, MON_19), false);
    assert.equal(onDuty(day, SAT_10), false);
    assert.equal(onDuty(day, Date.parse('2026-11-30T00:00:00Z')), true); // 08:00 sharp
    assert.equal(onDuty(day, Date.parse('2026-11-30T10:00:00Z')), false); // 18:00 sharp
    const night = parseDuty('fri 20:00-06:00');
    assert.equal(onDuty(night, Date.parse('2026-12-04T13:00:00Z')), true); // Fri 21:00
    assert.equal(onDuty(night, Date.parse('2026-12-04T20:00:00Z')), true); // Sat 04:00
    assert.equal(onDuty(night, Date.parse('2026-12-04T23:00:00Z')), false); // Sat 07:00
    assert.equal(onDuty(night, Date.parse('2026-11-30T20:00:00Z')), false); // Tue 04:00 (Mon not on duty)
  });

  it('case dates are whole Shanghai days, inclusive', () => {
    assert.deepEqual(caseDateBounds({ casesFrom: '2026-11-01', casesTo: '2026-11-01' }), {
      from: Date.parse('2026-10-31T16:00:00Z'),
      to: Date.parse('2026-11-01T16:00:00Z'),
    });
  });
});

let h: Harness;
let clock = MON_10;
let caseId: string;
let dutyKey: string;
const cookies: Record<string, string> = {};

async function call(as: { user?: string; key?: string }, method: string, p: string, body?: unknown) {
  const headers: Record<string, string> = as.key ? { 'x-api-key': as.key } : h.auth(cookies[as.user!]!);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`${h.url}${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

before(async () => {
  h = await startHarness(0, { app: { now: () => clock } });
  const scope = { districts: [DISTRICT_A] };
  await h.users.createUser({ username: 'duty_a', displayName: '值班员', password: PASSWORD, role: 'officer', scope: { ...scope, time: { duty: parseDuty('mon-fri 08:00-18:00') } } });
  await h.users.createUser({ username: 'upto_nov1', displayName: '截至11月1日', password: PASSWORD, role: 'officer', scope: { ...scope, time: { casesTo: '2026-11-01' } } });
  await h.users.createUser({ username: 'from_nov2', displayName: '自11月2日', password: PASSWORD, role: 'officer', scope: { ...scope, time: { casesFrom: '2026-11-02' } } });
  dutyKey = (await h.users.createApiKey('roster', 'commander', { time: { duty: parseDuty('mon-fri 08:00-18:00') } })).key;
  for (const u of ['duty_a', 'upto_nov1', 'from_nov2']) cookies[u] = await h.login(u);
  caseId = (await h.raiseAlert(h, CAM_A)).caseId;
  // The last second of 1 November in Shanghai.
  await h.sql.query(`UPDATE cases SET created_at = '2026-11-01T15:59:59Z' WHERE id = $1`, [caseId]);
}, { timeout: 180_000 });
after(async () => h?.close(), { timeout: 60_000 });

describe('outside the duty window, reads and changes are 403 off_duty', () => {
  it('on duty the officer reads the case', async () => {
    clock = MON_10;
    assert.equal((await call({ user: 'duty_a' }, 'GET', `/api/cases/${caseId}`)).status, 200);
    assert.equal((await call({ user: 'duty_a' }, 'GET', '/api/cases')).status, 200);
  });

  for (const at of [MON_19, SAT_10]) {
    it(`at ${new Date(at).toISOString()} everything guarded is refused, with the window in the message`, async () => {
      clock = at;
      for (const [method, p, body] of [
        ['GET', `/api/cases/${caseId}`, undefined],
        ['GET', '/api/cases', undefined],
        ['GET', '/api/stats', undefined],
        ['GET', `/api/cases/${caseId}/evidence`, undefined],
        ['POST', `/api/cases/${caseId}/confirm`, {}],
      ] as const) {
        const r = await call({ user: 'duty_a' }, method, p, body);
        assert.equal(r.status, 403, `${method} ${p}`);
        assert.equal(r.json.error, 'off_duty');
        assert.match(String(r.json.message), /值班时段.*周一、周二、周三、周四、周五 08:00-18:00/);
      }
      const me = await call({ user: 'duty_a' }, 'GET', '/api/me');
      assert.equal(me.status, 200);
      assert.match(String(me.json.offDuty), /08:00-18:00/);
      // The refused confirm changed nothing.
      clock = MON_10;
      assert.equal((await call({ user: 'duty_a' }, 'GET', `/api/cases/${caseId}`)).json.state, 'pending_review');
    });
  }

  it('an API key with a duty window is refused the same way', async () => {
    clock = MON_10;
    assert.equal((await call({ key: dutyKey }, 'GET', '/api/cases')).status, 200);
    clock = SAT_10;
    const r = await call({ key: dutyKey }, 'GET', '/api/cases');
    assert.equal(r.status, 403);
    assert.equal(r.json.error, 'off_duty');
    clock = MON_10;
  });
});

describe('outside the case-date range a case is 404, and lists and stats leave it out', () => {
  it('the range that holds the case shows it; the day after does not', async () => {
    assert.equal((await call({ user: 'upto_nov1' }, 'GET', `/api/cases/${caseId}`)).status, 200);
    const out = await call({ user: 'from_nov2' }, 'GET', `/api/cases/${caseId}`);
    const ghostId = randomUUID();
    const ghost = await call({ user: 'from_nov2' }, 'GET', `/api/cases/${ghostId}`);
    assert.equal(out.status, 404);
    assert.equal(String(out.json.message).replace(caseId, 'X'), String(ghost.json.message).replace(ghostId, 'X'));
    assert.equal((await call({ user: 'from_nov2' }, 'POST', `/api/cases/${caseId}/confirm`, {})).status, 404);
  });

  it('list totals and statistics agree with the range, also when the request asks for more', async () => {
    const wide = '?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z';
    const inList = await call({ user: 'upto_nov1' }, 'GET', `/api/cases${wide}`);
    const outList = await call({ user: 'from_nov2' }, 'GET', `/api/cases${wide}`);
    assert.equal(inList.json.total, 1);
    assert.equal(outList.json.total, 0);
    assert.deepEqual(outList.json.items, []);
    const stats = async (u: string) => (await call({ user: u }, 'GET', `/api/stats${wide}`)).json.byType as { count: number }[];
    assert.equal((await stats('upto_nov1')).reduce((n, r) => n + r.count, 0), 1);
    assert.equal((await stats('from_nov2')).reduce((n, r) => n + r.count, 0), 0);
  });
});

describe('the live alert stream keeps to the case-date range', () => {
  it('an alert of a case opened now reaches the range that holds today, not one that ended on 1 Nov', async () => {
    const open = async (u: string) => {
      const ac = new AbortController();
      const r = await fetch(`${h.url}/api/alerts/stream`, { headers: { cookie: cookies[u]! }, signal: ac.signal });
      assert.equal(r.status, 200);
      const reader = r.body!.getReader();
      let text = '';
      const done = (async () => {
        try {
          for (;;) {
            const { value, done: end } = await reader.read();
            if (end) break;
            text += new TextDecoder().decode(value);
          }
        } catch { /* aborted */ }
      })();
      return { text: () => text, close: async () => { ac.abort(); await done; } };
    };
    const [inRange, outOfRange] = [await open('from_nov2'), await open('upto_nov1')];
    await new Promise((r) => setTimeout(r, 300));
    h.bus.publish({ caseId: randomUUID(), hitId: 'hit-sse', cameraId: CAM_A.cameraId, district: CAM_A.district, street: CAM_A.street, category: CAM_A.category, state: 'pending_review', score: 0.8, at: Date.now() });
    await new Promise((r) => setTimeout(r, 500));
    await Promise.all([inRange.close(), outOfRange.close()]);
    assert.match(inRange.text(), /event: alert/);
    assert.doesNotMatch(outOfRange.text(), /event: alert/);
  });
});

describe('huiyan users add / api-keys add take the time scope', () => {
  it('stores --duty and --cases-from/--cases-to, lists them, refuses bad ones', { timeout: 240_000 }, async () => {
    const env = { ...process.env, HUIYAN_DATABASE_URL: PG_URL, HUIYAN_PG_SCHEMA: h.schema, HUIYAN_NEW_PASSWORD: PASSWORD };
    const add = await huiyan(['users', 'add', 'night', '--role', 'officer', '--district', DISTRICT_A, '--duty', 'daily 20:00-06:00', '--cases-from', '2026-11-02', '--cases-to', '2026-11-30'], env);
    assert.equal(add.code, 0, add.out);
    assert.match(add.out, /duty=mon,tue,wed,thu,fri,sat,sun 20:00-06:00 cases=2026-11-02\.\.2026-11-30/);
    const night = (await h.users.listUsers()).find((u) => u.username === 'night');
    assert.deepEqual(night?.scope.time, { duty: { days: [1, 2, 3, 4, 5, 6, 7], from: '20:00', to: '06:00' }, casesFrom: '2026-11-02', casesTo: '2026-11-30' });
    // The stored scope is enforced: at Monday 10:00 the night shift is refused.
    clock = MON_10;
    cookies.night = await h.login('night');
    assert.equal((await call({ user: 'night' }, 'GET', '/api/cases')).json.error, 'off_duty');
    for (const bad of [['--duty', 'weekdays'], ['--cases-from', '2026-12-01', '--cases-to', '2026-11-01'], ['--cases-to', '30.11.2026']]) {
      const r = await huiyan(['users', 'add', 'bad', '--role', 'officer', ...bad], env);
      assert.equal(r.code, 2, bad.join(' '));
    }
    const key = await huiyan(['api-keys', 'add', 'roster-cli', '--role', 'commander', '--duty', 'mon-fri 08:00-18:00'], env);
    assert.equal(key.code, 0, key.out);
    assert.match((await huiyan(['api-keys', 'list'], env)).out, /roster-cli\tcommander\tduty=mon,tue,wed,thu,fri 08:00-18:00/);
  });

  it('refuses a district or street no camera or case names, with the closest known one', { timeout: 240_000 }, async () => {
    // The default streams-config/ names 示范区 / 示范街道; a typo would leave the officer an empty list.
    const env = { ...process.env, HUIYAN_DATABASE_URL: PG_URL, HUIYAN_PG_SCHEMA: h.schema, HUIYAN_NEW_PASSWORD: PASSWORD };
    const typo = await huiyan(['users', 'add', 'typo', '--role', 'officer', '--district', '示范'], env);
    assert.equal(typo.code, 2, typo.out);
    assert.match(typo.out, /--district 示范: no camera .* did you mean "示范区"\?/);
    const street = await huiyan(['api-keys', 'add', 'typo-key', '--role', 'officer', '--street', '示范街'], env);
    assert.equal(street.code, 2, street.out);
    assert.match(street.out, /did you mean "示范街道"\?/);
    assert.equal((await h.users.listUsers()).some((u) => u.username === 'typo'), false);
    const later = await huiyan(['users', 'add', 'later', '--role', 'officer', '--district', '新建区', '--allow-unknown'], env);
    assert.equal(later.code, 0, later.out);
    assert.match(later.out, /warning: --district 新建区: .*accepted \(--allow-unknown\)/);
  });
});
