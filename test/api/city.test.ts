// The city back half through the real API on PostgreSQL, a real case worker (relay + SLA
// monitor) and notify worker on Redis, and a local HTTP server standing in for the city
// platform: a legal approval exports the case once (retried after a 503, one idempotency key,
// signed, valid against the schema, the notice downloadable with a signed GET); the platform's
// delivered / acknowledged / decided / paid / closed events move the case with audit entries
// carrying its references; unsigned, wrongly signed, stale, replayed, out-of-scope and
// out-of-order calls are refused and change nothing; overdue delivery and payment alert once.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Job } from 'bullmq';
import { caseStep } from '../../src/dispatch/case-step.ts';
import { startCaseWorker, startNotifyWorker, type RunningWorker } from '../../src/dispatch/processes.ts';
import { SlaMonitor } from '../../src/dispatch/relay.ts';
import { loadWebhooks, verifySignature } from '../../src/dispatch/webhook.ts';
import { postCityEvent, signedCityHeaders } from './support/city.ts';
import { CityExport } from '../../src/contracts/city.ts';
import { DAY_MS } from '../../src/cases/city.ts';
import { createLogger } from '../../src/util/log.ts';
import { verifyDocumentSignature } from '../../src/cases/documents/index.ts';
import { waitFor } from '../support/wait.ts';
import { CAM_A, sealHit, startHarness, USERS, type Harness } from './support/harness.ts';

const SECRET = `city-${randomBytes(8).toString('hex')}`;
const OPS_SECRET = `ops-${randomBytes(8).toString('hex')}`;
const REDIS = process.env.HUIYAN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Received { path: string; headers: http.IncomingHttpHeaders; body: string; status: number }
const received: Received[] = [];
let exportCalls = 0;
let platform: http.Server;
let h: Harness;
const workers: RunningWorker[] = [];
const cookies: Record<string, string> = {};
let hooksDir: string | undefined;

async function call(user: string | null, method: string, p: string, body?: unknown) {
  const headers: Record<string, string> = user ? { ...h.auth(cookies[user]!) } : {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`${h.url}${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, json: (text ? JSON.parse(text) : null) as Record<string, any> };
}

/** A request as the city platform signs it (default: the city-platform endpoint and its secret). */
const signedHeaders = (method: string, p: string, body: string, o: { endpoint?: string; secret?: string; ts?: number } = {}) =>
  signedCityHeaders({ endpoint: o.endpoint ?? 'city-platform', secret: o.secret ?? SECRET, ts: o.ts }, method, p, body);

async function send(p: string, body: string, headers: Record<string, string>) {
  const r = await fetch(`${h.url}${p}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: r.status, json: (await r.json()) as Record<string, any> };
}

const event = (caseId: string, e: Record<string, unknown>, o: { endpoint?: string; secret?: string; ts?: number } = {}) =>
  postCityEvent(h.url, { endpoint: o.endpoint ?? 'city-platform', secret: o.secret ?? SECRET, ts: o.ts }, caseId, e);

async function fileConfirmed() {
  const { hit, evidence } = await sealHit(h, CAM_A);
  const step = caseStep({ store: h.store, locate: () => ({ district: CAM_A.district, street: CAM_A.street }), repeatWindowDays: 365 });
  const id = ((await step({ hit, evidence }, { name: 'case' } as Job)) as { caseId: string }).caseId;
  assert.equal((await call('officer_a', 'POST', `/api/cases/${id}/confirm`, {})).status, 200);
  return id;
}

async function approve(id: string) {
  const row = (await call('auditor', 'GET', `/api/cases/${id}/legal`)).json.discretion.find((d: any) => d.fineMin === 50);
  const r = await call('auditor', 'POST', `/api/cases/${id}/legal/approve`, { standardId: row.id, proposedFine: 120 });
  assert.equal(r.status, 200, JSON.stringify(r.json));
}

/** State, version and audit length of a case: what a refused call must leave as it was. */
async function snapshot(id: string) {
  const c = (await h.store.getCase(id))!;
  const [{ n }] = (await h.store.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log WHERE target_id = $1', [id])) as [{ n: number }];
  const [{ e }] = (await h.store.db.query<{ e: number }>('SELECT count(*)::int AS e FROM city_events WHERE case_id = $1', [id])) as [{ e: number }];
  return { state: c.state, version: c.version, audit: n, events: e };
}

before(async () => {
  platform = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      // The first export attempt fails: the notify queue must retry it with the same key.
      const status = req.url === '/city' && ++exportCalls === 1 ? 503 : 200;
      received.push({ path: req.url!, headers: req.headers, body, status });
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((r) => platform.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(platform.address() as AddressInfo).port}`;
  // The API's port is in the export's download URL: take a free one first.
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const apiPort = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));

  hooksDir = mkdtempSync(path.join(os.tmpdir(), 'huiyan-city-hooks-'));
  const hooks = path.join(hooksDir, 'webhooks.yaml');
  await writeFile(hooks, `endpoints:
  - { id: city-platform, url: "${base}/city", secret: "${SECRET}", events: [case.exported], inbound: true }
  - { id: command-centre, url: "${base}/ops", secret: "${OPS_SECRET}", events: [case.delivery_overdue, case.payment_overdue], inbound: true }
`);
  const endpoints = (await loadWebhooks(hooks)).filter((e) => e.inbound);
  h = await startHarness(apiPort, { app: { city: { endpoints, publicUrl: `http://127.0.0.1:${apiPort}` } } });
  for (const u of USERS) cookies[u.username] = await h.login(u.username);
  const env: NodeJS.ProcessEnv = {
    ...process.env, HUIYAN_LOG_LEVEL: 'error', HUIYAN_REDIS_URL: REDIS, HUIYAN_QUEUE_PREFIX: `tcity${randomBytes(4).toString('hex')}`,
    HUIYAN_WEBHOOKS: hooks, HUIYAN_STREAMS_CONFIG: h.configDir, HUIYAN_HIT_SPOOL: path.join(h.configDir, 'hit-spool'),
    HUIYAN_EVIDENCE_STORE: 'fs', HUIYAN_EVIDENCE_DIR: h.storeDir, HUIYAN_EVIDENCE_SPOOL: path.join(h.configDir, 'spool'), HUIYAN_EVIDENCE_KEYS: path.join(h.configDir, 'keys'),
    HUIYAN_JOB_ATTEMPTS: '5', HUIYAN_JOB_BACKOFF_MS: '300', HUIYAN_RELAY_POLL_MS: '200',
  };
  workers.push(await startCaseWorker(env, { store: h.store }), await startNotifyWorker(env));
}, { timeout: 120_000 });

after(async () => {
  for (const w of workers) await w.close();
  await h?.close();
  platform?.closeAllConnections();
  await new Promise((r) => platform ? platform.close(r) : r(undefined));
  if (hooksDir) rmSync(hooksDir, { recursive: true, force: true });
}, { timeout: 60_000 });

describe('city back half', () => {
  let id: string;

  it('an approval exports the case once: retried after a 503 with one idempotency key, signed, schema-valid, notice downloadable by a signed GET', async () => {
    id = await fileConfirmed();
    assert.equal((await call('auditor', 'GET', `/api/cases/${id}/city`)).json.exportedAt, null);
    await approve(id);
    await waitFor('export delivered', () => received.some((r) => r.path === '/city' && r.status === 200), 30_000);
    await new Promise((r) => setTimeout(r, 1500)); // room for a duplicate, if there were one
    const exports = received.filter((r) => r.path === '/city');
    assert.deepEqual(exports.map((r) => r.status), [503, 200], 'one retry, then delivered once');
    assert.equal(new Set(exports.map((r) => r.headers['idempotency-key'])).size, 1);
    for (const r of exports) assert.ok(verifySignature(SECRET, r.headers, r.body), 'signed with the endpoint secret');
    const env = JSON.parse(exports[1]!.body);
    assert.equal(env.kind, 'case.exported');
    assert.equal(env.caseId, id);
    const x = CityExport.parse(env.data);
    assert.equal(x.exportId, `export-${id}`);
    const doc = (await call('auditor', 'GET', `/api/cases/${id}/documents`)).json.items[0];
    assert.equal(x.document.docNo, doc.docNo);
    assert.equal(x.document.fileSha256, doc.fileSha256);
    const c = (await h.store.getCase(id))!;
    assert.deepEqual(x.evidence, [{ role: 'case', bundleId: c.evidence!.bundleId, manifestSha256: c.evidence!.manifestSha256 }]);
    assert.equal(x.violation.standardCode, '05-01');
    assert.equal(x.place.district, CAM_A.district);
    assert.equal(x.penalty.proposedFine, 120);
    assert.equal(x.penalty.sample, true);
    const [{ n }] = (await h.store.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM notifications WHERE case_id = $1 AND kind = 'case.exported'`, [id])) as [{ n: number }];
    assert.equal(n, 1);

    // The PDF by its URL: a signed GET; unsigned is refused.
    const url = new URL(x.document.url);
    assert.equal((await fetch(url)).status, 401);
    const pdf = await fetch(url, { headers: signedHeaders('GET', url.pathname, '') });
    assert.equal(pdf.status, 200);
    const bytes = Buffer.from(await pdf.arrayBuffer());
    assert.equal(createHash('sha256').update(bytes).digest('hex'), x.document.fileSha256);
    assert.equal((await verifyDocumentSignature(bytes)).ok, true);
    const audit = (await call('auditor', 'GET', `/api/cases/${id}/audit`)).json.items as { action: string; actor: string; details: any }[];
    const actions = audit.map((e) => e.action);
    assert.ok(actions.indexOf('city.exported') === actions.indexOf('document.issued') + 1, actions.join(','));
    assert.ok(audit.some((e) => e.actor === 'city:city-platform' && JSON.stringify(e.details).includes('document.download')), 'the platform\'s download is audited');
  });

  it('unsigned, wrongly signed, altered, stale, replayed, out-of-scope and out-of-order calls are refused and change nothing', async () => {
    const p = `/api/city/cases/${id}/events`;
    const delivered = { event: 'delivered', ref: 'SD-2026-0001', at: new Date().toISOString(), note: '电子送达' };
    const body = JSON.stringify(delivered);
    const before = await snapshot(id);
    assert.equal(before.state, 'confirmed');

    assert.equal((await send(p, body, {})).status, 401, 'no signature');
    assert.equal((await call('officer_a', 'POST', p, delivered)).status, 401, 'an officer session is not the platform');
    assert.equal((await event(id, delivered, { secret: 'not-the-secret' })).status, 401, 'wrong secret');
    assert.equal((await send(p, body.replace('电子送达', '邮寄送达'), signedHeaders('POST', p, body))).status, 401, 'body altered after signing');
    assert.equal((await send(`/api/city/cases/${id}/events`, body, signedHeaders('POST', `/api/city/cases/${await fileConfirmed()}/events`, body))).status, 401, 'signed for another case');
    assert.equal((await event(id, delivered, { ts: Date.now() - 10 * 60_000 })).status, 401, 'stale timestamp');
    assert.equal((await event(id, delivered, { endpoint: 'nobody' })).status, 401, 'unknown endpoint');
    const scope = await event(id, delivered, { endpoint: 'command-centre', secret: OPS_SECRET });
    assert.equal(scope.status, 403, 'an endpoint that receives no exports');
    const notExported = await fileConfirmed();
    assert.equal((await event(notExported, delivered)).status, 404, 'a case not exported');
    const early = await event(id, { event: 'paid', ref: 'JK-1', at: new Date().toISOString(), amount: 120 });
    assert.equal(early.status, 409);
    assert.match(early.json.message, /confirmed cannot become paid/);
    assert.equal((await event(id, { ...delivered, extra: 1 })).status, 400, 'unknown keys are errors');
    assert.deepEqual(await snapshot(id), before, 'nothing changed');

    // Accepted once; the same request again is a replay; resent with a fresh signature it is idempotent.
    const headers = signedHeaders('POST', p, body);
    const ok = await send(p, body, headers);
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.deepEqual(ok.json, { caseId: id, state: 'delivered', applied: true });
    const once = await snapshot(id);
    const replay = await send(p, body, headers);
    assert.equal(replay.status, 401);
    assert.match(replay.json.message, /replayed/);
    const again = await event(id, delivered);
    assert.deepEqual(again.json, { caseId: id, state: 'delivered', applied: false });
    assert.equal((await event(id, { ...delivered, event: 'acknowledged' })).status, 409, 'a reference reused for another event');
    assert.deepEqual(await snapshot(id), once, 'replay, resend and reused ref changed nothing');
  });

  it('acknowledged, decided, paid, closed move the case; each step is audited with the platform\'s reference; the timeline shows them', async () => {
    const t = Date.now();
    const steps = [
      { event: 'acknowledged', ref: 'QS-0001', at: new Date(t).toISOString() },
      { event: 'decided', ref: 'JD-0001', at: new Date(t + 1000).toISOString(), decisionNo: '城管罚决〔2026〕1号', fine: 120 },
      { event: 'paid', ref: 'JK-0001', at: new Date(t + 2000).toISOString(), amount: 120 },
      { event: 'closed', ref: 'JA-0001', at: new Date(t + 3000).toISOString() },
    ];
    for (const s of steps) {
      const r = await event(id, s);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(r.json.state, s.event);
    }
    const late = await event(id, { event: 'delivered', ref: 'SD-late', at: new Date().toISOString() });
    assert.equal(late.status, 409, 'a closed case takes no more events');
    const audit = (await call('auditor', 'GET', `/api/cases/${id}/audit`)).json.items as { action: string; actor: string; details: any }[];
    const city = audit.filter((e) => e.details?.source === 'city');
    assert.deepEqual(city.map((e) => [e.details.from, e.details.to, e.details.ref]), [
      ['confirmed', 'delivered', 'SD-2026-0001'], ['delivered', 'acknowledged', 'QS-0001'], ['acknowledged', 'decided', 'JD-0001'],
      ['decided', 'paid', 'JK-0001'], ['paid', 'closed', 'JA-0001'],
    ]);
    assert.ok(city.every((e) => e.actor === 'city:city-platform'));
    assert.equal(city[2]!.details.decisionNo, '城管罚决〔2026〕1号');
    assert.equal((await h.store.verifyAuditChain()).ok, true);
    const tl = await call('officer_a', 'GET', `/api/cases/${id}/city`);
    assert.equal(tl.status, 200);
    assert.deepEqual(tl.json.events.map((e: any) => e.event), ['delivered', 'acknowledged', 'decided', 'paid', 'closed']);
    assert.equal(tl.json.events[3].at, t + 2000);
    assert.ok(tl.json.exportedAt > 0 && tl.json.docNo);
    assert.equal((await call('officer_b', 'GET', `/api/cases/${id}/city`)).status, 404, 'other district');
    assert.equal((await call('officer_a', 'GET', `/api/cases/${id}`)).json.state, 'closed');
  });

  it('no delivery within the period, or no payment after the decision, raises one alert each', async () => {
    const undelivered = await fileConfirmed();
    await approve(undelivered);
    const unpaid = await fileConfirmed();
    await approve(unpaid);
    const now = Date.now();
    for (const s of [{ event: 'delivered', ref: 'SD-U', at: new Date(now).toISOString() }, { event: 'decided', ref: 'JD-U', at: new Date(now).toISOString(), fine: 120 }]) {
      assert.equal((await event(unpaid, s)).status, 200);
    }
    const sla = new SlaMonitor(h.store, createLogger({ test: 'city' }), 60_000, () => {}, { deliveryMs: 7 * DAY_MS, paymentMs: 15 * DAY_MS });
    assert.equal(await sla.runOnce(new Date(now + 6 * DAY_MS)), 0, 'within both periods');
    assert.equal(await sla.runOnce(new Date(now + 8 * DAY_MS)), 1, 'delivery overdue');
    assert.equal(await sla.runOnce(new Date(now + 16 * DAY_MS)), 1, 'payment overdue; the delivery alert is not repeated');
    assert.equal(await sla.runOnce(new Date(now + 30 * DAY_MS)), 0, 'once each');
    const actions = async (c: string) => (await h.store.auditEntries({ targetId: c })).map((e) => e.action);
    assert.ok((await actions(undelivered)).includes('case.delivery_overdue'));
    assert.ok(!(await actions(undelivered)).includes('case.payment_overdue'));
    assert.ok((await actions(unpaid)).includes('case.payment_overdue'));
    assert.ok(!(await actions(unpaid)).includes('case.delivery_overdue'));
    assert.ok(!(await actions(id)).some((a) => a.endsWith('_overdue')), 'the closed case raises nothing');
    // The case worker's relay sends both alerts to the command centre, signed.
    await waitFor('overdue webhooks', () => received.filter((r) => r.path === '/ops').length >= 2, 30_000);
    const ops = received.filter((r) => r.path === '/ops').map((r) => {
      assert.ok(verifySignature(OPS_SECRET, r.headers, r.body));
      const b = JSON.parse(r.body);
      return [b.kind, b.caseId];
    });
    assert.deepEqual(ops.sort(), [['case.delivery_overdue', undelivered], ['case.payment_overdue', unpaid]].sort());
  });
});
