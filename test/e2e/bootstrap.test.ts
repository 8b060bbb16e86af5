// A fresh install through the real entry points: `huiyan serve` on a PostgreSQL schema that does
// not exist yet, then the documented bootstrap (`huiyan users add … --role admin`, password on
// stdin) while it runs; the admin logs in through the API and the web login page, an officer
// sees only their district's scope, API keys work and are revocable, disabled users are locked out.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { huiyan, login, startServe, type Proc } from './support/proc.ts';
import { schemaExists, siteDir, type SiteDir } from './support/env.ts';
import { launch } from '../web/support.ts';

let site: SiteDir;
let serve: Proc & { url: string };
const ADMIN_PW = 'first-admin-pw-2026';
const OFFICER_PW = 'officer-xh-pw-2026';

before(async () => {
  site = await siteDir('boot');
  assert.equal(await schemaExists(site.schema), false, 'the schema is not made by hand');
  serve = await startServe(site.env);
}, { timeout: 240_000 });

after(async () => {
  await serve?.stop();
  await site?.cleanup();
}, { timeout: 60_000 });

it('serve creates its schema; the bootstrap command makes the first admin, who logs in', { timeout: 240_000 }, async () => {
  assert.equal(await schemaExists(site.schema), true);
  // Nobody can log in yet: serve creates no default account, and its log says which database
  // it uses and how to make the first admin.
  await assert.rejects(login(serve.url, 'admin', ADMIN_PW), /HTTP 401/);
  assert.match(serve.output(), new RegExp(`"msg":"database".*"schema":"${site.schema}"`));
  assert.match(serve.output(), /no user accounts yet: create the first admin with `HUIYAN_NEW_PASSWORD=… huiyan users add admin --role admin`/);

  const add = await huiyan(['users', 'add', 'admin', '--role', 'admin', '--name', '系统管理员'], site.env, `${ADMIN_PW}\n`);
  assert.equal(add.code, 0, add.out);
  assert.doesNotMatch(add.out, new RegExp(ADMIN_PW), 'the password is never echoed');
  const cookie = await login(serve.url, 'admin', ADMIN_PW);
  const me = await (await fetch(`${serve.url}/api/me`, { headers: { cookie } })).json();
  assert.equal(me.role, 'admin');

  // The web login page, in Chromium.
  const browser = await launch();
  try {
    const page = await (await browser.newContext({ locale: 'zh-CN' })).newPage();
    await page.goto(`${serve.url}/login.html`);
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', ADMIN_PW);
    await Promise.all([page.waitForURL(/notice\.html/, { timeout: 30_000 }), page.click('button[type=submit]')]);
    await page.locator('#notice-text', { hasText: '数据安全' }).waitFor();
    await Promise.all([page.waitForURL((u) => u.pathname === '/index.html', { timeout: 30_000 }), page.click('#ack')]);
  } finally {
    await browser.close();
  }
});

it('officers get a district scope, password from the environment; list, passwd, disable', { timeout: 600_000 }, async () => {
  const env = { ...site.env, HUIYAN_NEW_PASSWORD: OFFICER_PW };
  const add = await huiyan(['users', 'add', 'xh1', '--role', 'officer', '--district', '徐汇区'], env);
  assert.equal(add.code, 0, add.out);
  const again = await huiyan(['users', 'add', 'xh1', '--role', 'officer'], env);
  assert.equal(again.code, 1, 'an existing user is not overwritten');
  const bad = await huiyan(['users', 'add', 'x', '--role', 'mayor'], env);
  assert.equal(bad.code, 2);
  assert.match(bad.out, /--role must be one of/);
  const short = await huiyan(['users', 'add', 'y', '--role', 'officer'], { ...site.env, HUIYAN_NEW_PASSWORD: 'short' });
  assert.equal(short.code, 2);

  const cookie = await login(serve.url, 'xh1', OFFICER_PW);
  const me = await (await fetch(`${serve.url}/api/me`, { headers: { cookie } })).json();
  assert.deepEqual([me.role, me.scope.districts], ['officer', ['徐汇区']]);

  const list = await huiyan(['users', 'list'], site.env);
  assert.match(list.out, /^admin\tadmin\tall/m);
  assert.match(list.out, /^xh1\tofficer\tdistricts=徐汇区/m);

  const pw = await huiyan(['users', 'passwd', 'xh1'], site.env, 'a-new-password-1\n');
  assert.equal(pw.code, 0, pw.out);
  const old = await fetch(`${serve.url}/api/me`, { headers: { cookie } });
  assert.equal(old.status, 401, 'a password change ends existing sessions');
  await login(serve.url, 'xh1', 'a-new-password-1');

  assert.equal((await huiyan(['users', 'disable', 'xh1'], site.env)).code, 0);
  await assert.rejects(login(serve.url, 'xh1', 'a-new-password-1'), /HTTP 401/);
  assert.equal((await huiyan(['users', 'disable', 'nobody'], site.env)).code, 1);
});

it('api-keys: shown once, scoped, listed without the secret, revocable', { timeout: 300_000 }, async () => {
  const add = await huiyan(['api-keys', 'add', 'city-platform', '--role', 'commander', '--district', '徐汇区'], site.env);
  assert.equal(add.code, 0, add.out);
  const key = /^(hy_\S+)$/m.exec(add.out)![1]!;
  const me = await (await fetch(`${serve.url}/api/me`, { headers: { 'x-api-key': key } })).json();
  assert.deepEqual([me.role, me.scope.districts], ['commander', ['徐汇区']]);
  const list = await huiyan(['api-keys', 'list'], site.env);
  assert.doesNotMatch(list.out, new RegExp(key));
  const id = /^(\S+)\tcity-platform\tcommander\tdistricts=徐汇区\tactive$/m.exec(list.out)![1]!;
  assert.equal((await huiyan(['api-keys', 'revoke', id], site.env)).code, 0);
  assert.equal((await fetch(`${serve.url}/api/me`, { headers: { 'x-api-key': key } })).status, 401);
});
