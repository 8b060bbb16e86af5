// The browser-level attacks in real Chromium: a page on a sibling origin (another port of the
// same host: same site, so SameSite=Strict does not stop it) tries to confirm a case as the
// logged-in officer with every request it can send without a CORS preflight; and the login
// page's `next` parameter must not send the officer to another host (`/\evil.host`).
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { CAM_A, PASSWORD, startHarness, type Harness } from '../api/support/harness.ts';
import { launch, loginPage } from '../web/support.ts';

let h: Harness;
let browser: Browser;
let sibling: http.Server;
let siblingUrl: string;
let caseId: string;

before(async () => {
  h = await startHarness(0);
  caseId = (await h.raiseAlert(h, CAM_A)).caseId;
  const target = `${h.url}/api/cases/${caseId}/confirm`;
  sibling = http.createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(`<!doctype html><form id=f method=post action="${target}" enctype="text/plain"><input name='{"a":"' value='"}'></form>
<script>
(async () => {
  const tries = [
    fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors', credentials: 'include', body: '' }),
    fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: '{}' }),
    fetch(${JSON.stringify(target)}, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: '{}' }).catch((e) => 'blocked: ' + e.message),
  ];
  await Promise.allSettled(tries);
  document.title = 'done';
})();
</script>`);
  });
  await new Promise<void>((r) => sibling.listen(0, '127.0.0.1', r));
  siblingUrl = `http://127.0.0.1:${(sibling.address() as AddressInfo).port}`;
  browser = await launch();
}, { timeout: 180_000 });
after(async () => {
  await browser?.close();
  sibling?.close();
  await h?.close();
}, { timeout: 60_000 });

const state = async () => (await (await fetch(`${h.url}/api/cases/${caseId}`, { headers: { cookie: await h.login('admin') } })).json()).state;

it('a sibling-origin page cannot confirm a case as the logged-in officer (fetch no-cors, JSON fetch, form post)', { timeout: 120_000 }, async () => {
  const page = await loginPage(browser, h.url, 'officer_a');
  await page.goto(`${siblingUrl}/evil.html`);
  await page.waitForFunction(() => document.title === 'done');
  assert.equal(await state(), 'pending_review');
  // The form post navigates to the API's answer.
  const [resp] = await Promise.all([page.waitForResponse(/confirm/), page.evaluate(() => (document.getElementById('f') as HTMLFormElement).submit())]);
  assert.equal(resp.status(), 403);
  assert.equal(await state(), 'pending_review');
  // The page itself (same origin, token from /api/me) still can.
  await page.goto(`${h.url}/review.html?case=${caseId}`);
  await page.locator('body[data-ready="1"]').waitFor().catch(() => undefined);
  const ok = await page.evaluate(async (id) => {
    const me = await (await fetch('/api/me')).json();
    const r = await fetch(`/api/cases/${id}/confirm`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken }, body: '{}' });
    return r.status;
  }, caseId);
  assert.equal(ok, 200);
  assert.equal(await state(), 'confirmed');
  await page.context().close();
});

it('login redirects only to the same origin (next=/\\evil.host, //evil.host, https://evil.host)', { timeout: 120_000 }, async () => {
  for (const next of ['/\\evil.host/x', '//evil.host/x', 'https://evil.host/x', '/review.html?case=1']) {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(`${h.url}/login.html?next=${encodeURIComponent(next)}`);
    await page.fill('input[name=username]', 'officer_a');
    await page.fill('input[name=password]', PASSWORD);
    // Login → the data-security notice → on to `next` (both pages keep to the same origin).
    await Promise.all([page.waitForURL((u) => u.pathname.endsWith('notice.html')), page.click('button[type=submit]')]);
    await page.locator('body[data-ready="1"]').waitFor();
    await Promise.all([page.waitForURL((u) => !u.pathname.endsWith('notice.html')), page.click('#ack')]);
    const at = new URL(page.url());
    assert.equal(at.origin, h.url, `next=${next} → ${page.url()}`);
    if (next.startsWith('/review')) assert.equal(at.pathname, '/review.html');
    await ctx.close();
  }
});
