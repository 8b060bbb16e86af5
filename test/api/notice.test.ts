// The data-security notice (数据安全责任告知): a session reads and acknowledges it once before
// any guarded route answers (403 `notice_required` until then); the acknowledgement is kept in
// the session row, so a new login asks again; API keys are exempt; the text is configurable.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { PASSWORD, startHarness, type Harness } from './support/harness.ts';

const TEXT = '测试单位数据安全告知\n第二段：严禁外传';
let h: Harness;

async function rawLogin(username: string) {
  const r = await fetch(`${h.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) });
  assert.equal(r.status, 200);
  const body = (await r.json()) as { csrfToken: string; noticePending: boolean };
  return { cookie: r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '), csrfToken: body.csrfToken, noticePending: body.noticePending };
}
const get = async (p: string, headers: Record<string, string>) => {
  const r = await fetch(`${h.url}${p}`, { headers });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
};
const ack = (headers: Record<string, string>) =>
  fetch(`${h.url}/api/notice/ack`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{}' });

before(async () => {
  h = await startHarness(0, { app: { securityNotice: TEXT } });
}, { timeout: 120_000 });
after(async () => h?.close(), { timeout: 60_000 });

describe('data-security notice', () => {
  it('refuses every guarded route until the session acknowledges it, then lets it through', async () => {
    const s = await rawLogin('officer_a');
    assert.equal(s.noticePending, true);
    for (const p of ['/api/cases', '/api/stats', '/api/cameras', '/api/parties']) {
      const r = await get(p, { cookie: s.cookie });
      assert.equal(r.status, 403, p);
      assert.equal(r.json.error, 'notice_required');
      assert.match(String(r.json.message), /数据安全责任告知/);
    }
    const me = await get('/api/me', { cookie: s.cookie });
    assert.equal(me.status, 200);
    assert.equal(me.json.noticePending, true);
    assert.deepEqual((await get('/api/notice', { cookie: s.cookie })).json, { text: TEXT, acknowledged: false });

    assert.equal((await ack({ cookie: s.cookie })).status, 403, 'a state change: the CSRF token is required');
    assert.equal((await ack({ cookie: s.cookie, 'x-csrf-token': s.csrfToken })).status, 200);
    assert.equal((await get('/api/cases', { cookie: s.cookie })).status, 200);
    assert.equal((await get('/api/me', { cookie: s.cookie })).json.noticePending, false);
    assert.equal((await get('/api/notice', { cookie: s.cookie })).json.acknowledged, true);
    const [row] = await h.sql.query<{ notice_acked_at: Date | null }>('SELECT notice_acked_at FROM api_sessions WHERE notice_acked_at IS NOT NULL');
    assert.ok(row?.notice_acked_at, 'recorded in the session row');
  });

  it('puts each session\'s acknowledgement into the hash-chained audit log once: actor, session, the text acknowledged, time', async () => {
    const [user] = await h.sql.query<{ id: string }>(`SELECT id FROM api_users WHERE username = 'officer_b'`);
    const mine = () => h.store.auditEntries({ targetType: 'user', targetId: user!.id, limit: 100 });
    assert.equal((await mine()).length, 0);
    const a = await rawLogin('officer_b');
    const b = await rawLogin('officer_b');
    const t0 = Date.now();
    assert.equal((await ack({ cookie: a.cookie, 'x-csrf-token': a.csrfToken })).status, 200);
    assert.equal((await ack({ cookie: a.cookie, 'x-csrf-token': a.csrfToken })).status, 200, 'a second acknowledgement answers ok');
    assert.equal((await ack({ cookie: b.cookie, 'x-csrf-token': b.csrfToken })).status, 200);
    const entries = await mine();
    assert.equal(entries.length, 2, 'one entry per session, not per click');
    const sessions = new Set<string>();
    for (const e of entries) {
      assert.equal(e.action, 'notice.acknowledged');
      assert.match(e.actor, new RegExp(`^user:${user!.id} `));
      assert.equal(e.details.noticeSha256, createHash('sha256').update(TEXT).digest('hex'));
      assert.match(String(e.details.session), /^[0-9a-f]{16}$/);
      assert.ok(e.at.getTime() >= t0 - 1000, 'the acknowledgement time');
      sessions.add(String(e.details.session));
    }
    // Each session by the sha256 prefix of its id; the id itself (a bearer secret) is not written.
    const raw = JSON.stringify(entries);
    const sid = (cookie: string) => decodeURIComponent(cookie.split('=')[1]!).split('.')[0]!;
    for (const c of [a.cookie, b.cookie]) {
      assert.ok(sessions.has(createHash('sha256').update(sid(c)).digest('hex').slice(0, 16)));
      assert.ok(!raw.includes(sid(c)));
    }
    const [row] = await h.sql.query<{ notice_acked_at: Date }>(
      `SELECT s.notice_acked_at FROM api_sessions s JOIN api_users u ON u.id = s.user_id WHERE u.username = 'officer_b' ORDER BY s.notice_acked_at LIMIT 1`);
    assert.equal(entries[0]!.at.getTime(), new Date(row!.notice_acked_at).getTime(), 'the audit time is the session row\'s');
    assert.equal((await h.store.verifyAuditChain()).ok, true);
  });

  it('is asked again in every new session', async () => {
    const first = await rawLogin('commander');
    assert.equal((await ack({ cookie: first.cookie, 'x-csrf-token': first.csrfToken })).status, 200);
    const second = await rawLogin('commander');
    assert.equal((await get('/api/cases', { cookie: second.cookie })).json.error, 'notice_required');
    assert.equal((await get('/api/cases', { cookie: first.cookie })).status, 200);
  });

  it('does not apply to API keys, and needs a login to read or acknowledge', async () => {
    const { key } = await h.users.createApiKey('city', 'commander');
    assert.equal((await get('/api/cases', { 'x-api-key': key })).status, 200);
    assert.equal((await ack({ 'x-api-key': key })).status, 401);
    assert.equal((await fetch(`${h.url}/api/notice`)).status, 401);
  });
});
