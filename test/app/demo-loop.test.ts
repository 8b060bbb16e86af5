// `npm run demo` as a bureau engineer walks it (startDemo, its sample cameras and its simulated
// city platform, on PostgreSQL and the machine's Redis in a temp folder): the stall is warned,
// filed after its grace, confirmed by officer1 and approved by auditor over the API; the export
// reaches the simulated platform, whose `/cases/<id>/next` reports each step until 结案; the case
// holds the order to correct the case worker issued with the warning, and the notice.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startDemo, type Demo } from '../../src/app/demo.ts';
import { createLogger } from '../../src/util/log.ts';
import { createSchema, freshSchemaName } from '../cases/stores.ts';
import { applianceTestEnv } from '../support/appliance-env.ts';
import { waitFor } from '../support/wait.ts';
import { loginAcknowledged } from '../support/notice.ts';

test('the demo walks its stall case from the warning to 结案 with its simulated city platform', { timeout: 400_000 }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'huiyan-demo-loop-'));
  const schema = freshSchemaName('demo');
  const dropSchema = await createSchema(schema);
  const saved = { ...process.env };
  // startDemo reads the process environment: everything in the temp folder, a fresh schema.
  const { HUIYAN_QUEUE_PREFIX: _own, ...env } = applianceTestEnv(dir, schema, 'demo');
  Object.assign(process.env, env, { HUIYAN_DEMO_USE_ENV_DB: '1', HUIYAN_DOCUMENT_KEYS: path.join(dir, 'document-keys') });
  delete process.env.HUIYAN_QUEUE_PREFIX;
  let demo: Demo | undefined;
  after(async () => {
    await demo?.stop();
    process.env = saved;
    await dropSchema();
    await rm(dir, { recursive: true, force: true });
  });
  const d = await startDemo({ root: path.join(dir, 'demo'), port: 0, rtspBasePort: 21000 + Math.floor(Math.random() * 2000) * 3, log: createLogger({ stage: 'demo-test' }) });
  demo = d;
  const base = d.url;
  const login = async (username: string) => {
    const s = await loginAcknowledged(base, username, d.password);
    return { cookie: s.cookie, 'x-csrf-token': s.csrfToken };
  };
  const post = async (h: Record<string, string>, p: string, body: unknown) => {
    const r = await fetch(`${base}${p}`, { method: 'POST', headers: { ...h, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(r.status, 200, await r.text());
  };

  const officer = await login('officer1');
  type Case = { id: string; cameraId: string; state: string; warning?: { outcome: string | null; after: unknown } | null };
  const filed = await waitFor('the stall filed after its grace', async () => {
    const list = (await (await fetch(`${base}/api/cases?limit=100`, { headers: officer })).json()) as { items: Case[] };
    return list.items.find((c) => c.cameraId === 'demo-stall' && c.state === 'pending_review');
  }, 300_000, 1_000);
  const one = (await (await fetch(`${base}/api/cases/${filed.id}`, { headers: officer })).json()) as Case;
  assert.equal(one.warning?.outcome, 'filed', 'warned first, filed when the stall stayed');
  await post(officer, `/api/cases/${filed.id}/confirm`, {});

  const auditor = await login('auditor');
  const legal = (await (await fetch(`${base}/api/cases/${filed.id}/legal`, { headers: auditor })).json()) as { discretion: { id: number; fineMin: number; fineMax: number }[] };
  const row = legal.discretion.find((d) => d.fineMin <= 100 && d.fineMax >= 100)!;
  await post(auditor, `/api/cases/${filed.id}/legal/approve`, { standardId: row.id, proposedFine: 100 });

  await waitFor('the export at the simulated platform', async () => d.city.exported.includes(filed.id), 60_000, 250);
  const states: string[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await fetch(`${d.city.url}/cases/${filed.id}/next`, { method: 'POST' });
    assert.equal(r.status, 200);
    states.push(((await r.json()) as { state: string }).state);
  }
  assert.deepEqual(states, ['delivered', 'acknowledged', 'decided', 'paid', 'closed']);
  const city = (await (await fetch(`${base}/api/cases/${filed.id}/city`, { headers: officer })).json()) as { docNo: string; events: { event: string }[] };
  assert.match(city.docNo, /城管告〔\d{4}〕\d{5}号/);
  assert.equal(((await (await fetch(`${base}/api/cases/${filed.id}`, { headers: officer })).json()) as Case).state, 'closed');
  // The case worker served the order to correct with the warning (责令改正通知书, the time limit = the grace end); approval added the notice.
  const docs = (await (await fetch(`${base}/api/cases/${filed.id}/documents`, { headers: officer })).json()) as { items: { kind: string; docNo: string; issuedBy: string }[] };
  assert.deepEqual(docs.items.map((x) => x.kind).sort(), ['notice_of_violation', 'order_to_correct']);
  const order = docs.items.find((x) => x.kind === 'order_to_correct')!;
  assert.match(order.docNo, /城管改〔\d{4}〕\d{5}号/);
  assert.equal(order.issuedBy, 'system:warn');
});
