// The operator alert for refused evidence in the API and the browser (Debian's Chromium): the
// state the evidence workers keep in Redis (test/security/evidence-refused.test.ts) reaches
// GET /api/ops/alerts, the huiyan_evidence_refused metric, and a red banner in Chinese on the
// command centre and the review page, which goes away by itself once evidence is accepted.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Browser } from 'playwright-core';
import { startHarness, type Harness } from '../api/support/harness.ts';
import { EvidenceIntakeAlerts, intakeKey, readIntake } from '../../src/dispatch/intake.ts';
import { launch, loginPage, shot } from './support.ts';

const REDIS = process.env.HUIYAN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `t-intake-${randomBytes(4).toString('hex')}`;
let redis: Redis;
let h: Harness;
let browser: Browser;
let alerts: EvidenceIntakeAlerts;
let cookie: string;
before(async () => {
  redis = new Redis(REDIS);
  alerts = new EvidenceIntakeAlerts(redis, prefix);
  h = await startHarness(0, { app: { intake: () => readIntake(redis, prefix) } });
  cookie = await h.login('officer_a');
  browser = await launch();
}, { timeout: 180_000 });
after(async () => {
  await browser?.close();
  await h?.close();
  await redis?.del(intakeKey(prefix));
  redis?.disconnect();
}, { timeout: 60_000 });

const opsAlerts = async () => (await fetch(`${h.url}/api/ops/alerts`, { headers: { cookie } })).json();
const metric = async (reason: string) => {
  const text = await (await fetch(`${h.url}/metrics`)).text();
  return Number(new RegExp(`^huiyan_evidence_refused\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
};

it('the route (logged in only) and the metric follow the shared intake state', async () => {
  assert.equal((await fetch(`${h.url}/api/ops/alerts`)).status, 401);
  assert.deepEqual(await opsAlerts(), { evidence: { accepting: true, refused: [] } });
  assert.equal(await metric('disk-low'), 0);
  await alerts.refused('disk-low', 'evidence refused: /var/evidence-spool has 3 MiB free of 20 MiB');
  await alerts.refused('disk-low', 'evidence refused: /var/evidence-spool has 2 MiB free of 20 MiB');
  const { evidence } = await opsAlerts();
  assert.equal(evidence.accepting, false);
  assert.deepEqual([evidence.refused.length, evidence.refused[0].reason, evidence.refused[0].count], [1, 'disk-low', 2]);
  assert.match(evidence.refused[0].message, /2 MiB free/);
  assert.equal(await metric('disk-low'), 2);
  assert.equal(await metric('dead-letter'), 0);
});

it('command centre and review page show the banner until evidence is accepted', { timeout: 120_000 }, async () => {
  const page = await loginPage(browser, h.url, 'officer_a');
  const banner = page.locator('#intake');
  await banner.waitFor({ state: 'visible' });
  assert.match(await banner.innerText(), /证据盘空间不足，新证据被拒收 · 自 .* 起共 2 次/);
  await shot(page, 'intake-banner-centre.png');
  await page.goto(`${h.url}/review.html`);
  await banner.waitFor({ state: 'visible' });
  assert.equal(await banner.getAttribute('role'), 'alert');
  assert.match(await banner.innerText(), /证据盘空间不足/);

  await alerts.accepted();
  assert.equal(await metric('disk-low'), 0);
  // The page checks by itself (every 10 s): no reload.
  await banner.waitFor({ state: 'hidden', timeout: 30_000 });
  assert.deepEqual(await opsAlerts(), { evidence: { accepting: true, refused: [] } });
  await page.context().close();
});
