// Login throttling as an attacker would probe it on loopback: X-Forwarded-For to look like many
// clients, many addresses against one account (127.0.0.0/8 gives real distinct sources), a
// legitimate user's successful logins, and a lock that must expire. A throttled attempt must be
// refused before the password is hashed (counted on UserStore.login, which runs scrypt).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { ApiDeps } from '../../src/api/app.ts';
import { PASSWORD, startHarness, type Harness } from '../api/support/harness.ts';

const open: Harness[] = [];
after(async () => {
  for (const h of open) await h.close();
}, { timeout: 60_000 });

/** POST /api/login from a chosen loopback source address, with optional extra headers. */
function login(h: Harness, username: string, password: string, from = '127.0.0.1', headers: Record<string, string> = {}): Promise<{ status: number; retryAfter?: string }> {
  const body = JSON.stringify({ username, password });
  return new Promise((resolve, reject) => {
    const req = http.request(`${h.url}/api/login`, { method: 'POST', localAddress: from, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function harness(app: Partial<Pick<ApiDeps, 'loginThrottle' | 'trustedProxies'>>) {
  const h = await startHarness(0, { app });
  open.push(h);
  const original = h.users.login.bind(h.users);
  let hashed = 0;
  h.users.login = async (u, p) => {
    hashed++;
    return original(u, p);
  };
  return { h, hashed: () => hashed };
}

describe('login throttling', () => {
  it('X-Forwarded-For from an untrusted client does not buy new budgets', async () => {
    const { h, hashed } = await harness({ loginThrottle: { address: { max: 3 }, account: { max: 100 } } });
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) codes.push((await login(h, `user${i}`, 'guess', '127.0.0.1', { 'x-forwarded-for': `10.0.0.${i}` })).status);
    assert.deepEqual(codes, [401, 401, 401, 429, 429, 429]);
    assert.equal(hashed(), 3, 'throttled attempts are refused before scrypt');
  });

  it('per account: many source addresses against one account lock it; the lock names Retry-After', async () => {
    const { h, hashed } = await harness({ loginThrottle: { account: { max: 3 }, address: { max: 100 } } });
    const res = [];
    for (let i = 0; i < 5; i++) res.push(await login(h, 'officer_a', `guess-${i}`, `127.0.0.${10 + i}`));
    assert.deepEqual(res.map((r) => r.status), [401, 401, 401, 429, 429]);
    assert.ok(Number(res[3].retryAfter) >= 1);
    assert.equal(hashed(), 3);
    // Another account from the same addresses is not affected.
    assert.equal((await login(h, 'officer_b', PASSWORD, '127.0.0.10')).status, 200);
  });

  it('successful logins do not consume the budget, and clear the account\'s failures', async () => {
    const { h } = await harness({ loginThrottle: { account: { max: 3 }, address: { max: 3 } } });
    for (let i = 0; i < 12; i++) assert.equal((await login(h, 'commander', PASSWORD)).status, 200, `login ${i}`);
    assert.equal((await login(h, 'admin', 'wrong')).status, 401);
    assert.equal((await login(h, 'admin', 'wrong')).status, 401);
    assert.equal((await login(h, 'admin', PASSWORD, '127.0.0.2')).status, 200);
    assert.equal((await login(h, 'admin', 'wrong', '127.0.0.2')).status, 401, 'count restarted after success');
  });

  it('the lock expires: the legitimate user gets in after it', async () => {
    const { h } = await harness({ loginThrottle: { account: { max: 2, baseLockMs: 400, maxLockMs: 800 }, address: { max: 100 } } });
    for (let i = 0; i < 6; i++) await login(h, 'auditor', 'wrong');
    assert.equal((await login(h, 'auditor', PASSWORD)).status, 429, 'locked, even with the right password');
    await new Promise((r) => setTimeout(r, 900)); // > maxLockMs: the lock can never outlast it
    assert.equal((await login(h, 'auditor', PASSWORD)).status, 200);
  });

  it('X-Forwarded-For is believed only from a configured proxy address', async () => {
    const { h } = await harness({ trustedProxies: ['127.0.0.1'], loginThrottle: { address: { max: 2 }, account: { max: 100 } } });
    // Through the proxy (127.0.0.1): distinct real clients each get their own budget.
    for (const client of ['198.51.100.1', '198.51.100.2']) {
      assert.equal((await login(h, 'x', 'y', '127.0.0.1', { 'x-forwarded-for': client })).status, 401);
      assert.equal((await login(h, 'x', 'y', '127.0.0.1', { 'x-forwarded-for': client })).status, 401);
      assert.equal((await login(h, 'x', 'y', '127.0.0.1', { 'x-forwarded-for': client })).status, 429);
    }
    // Not the proxy (127.0.0.3): its header is ignored, the socket address is the client.
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await login(h, 'x', 'y', '127.0.0.3', { 'x-forwarded-for': `203.0.113.${i}` })).status);
    assert.deepEqual(codes, [401, 401, 429]);
  });
});
