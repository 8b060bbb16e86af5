// Warn first, file later (限时整改) through `huiyan serve` as a child process, with a local HTTP
// receiver as the cameras' loudspeakers and SMS gateway: a stall that leaves within the grace
// period is self-corrected (no case for officers, warning heard with its Chinese text), a
// stall that stays past a short grace period is exactly one case with before/after evidence and
// the signed order to correct the case worker issued with the warning.
// Both cameras run at once in one serve.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { stringify } from 'yaml';
import { startServe, type Proc } from './support/proc.ts';
import { verifyDocumentSignature } from '../../src/cases/documents/verify.ts';
import { siteDir, type SiteDir } from './support/env.ts';
import { cameraConfig, footage, type CellCamera } from './support/footage.ts';
import { casesOf, checkCase, createAccounts, getJson, loginAll, waitForCases, type CaseRow, type Logins } from './support/api.ts';

const [XH, JA] = ['徐汇区', '静安区'];
let site: SiteDir;
let serve: Proc & { url: string };
let logins: Logins;
let receiver: http.Server;
const heard: { path: string; body: string }[] = [];

interface Warning { graceSeconds: number; outcome: string | null; after: { at: number; bundleId: string | null } | null }
type Detail = CaseRow & { warning?: Warning };

/** The camera with its zone warning first through the receiver's loudspeaker and SMS gateway. */
function warnCamera(c: CellCamera, graceSeconds: number, base: string): Record<string, unknown> {
  const cam = cameraConfig(c) as { zones: Record<string, unknown>[] };
  const channels = [
    { kind: 'loudspeaker', url: `${base}/speaker/${c.id}` },
    { kind: 'sms', url: `${base}/sms/${c.id}`, to: ['13800138000'] },
  ];
  return { ...cam, zones: cam.zones.map((z) => ({ ...z, warnFirst: { graceSeconds, channels } })) };
}

before(async () => {
  site = await siteDir('warn');
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      heard.push({ path: req.url!, body });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const file = async (scene: CellCamera['scene']) => ({ kind: 'file', path: await footage(scene), loop: false, realtime: true });
  await writeFile(path.join(site.streams, 'warn.yaml'), stringify({ cameras: [
    // The stall leaves at 35 s; the hit opens at ~11 s and its grace runs to ~71 s.
    warnCamera({ id: 'warn-short', district: XH, scene: 'stall-short', source: await file('stall-short') }, 60, base),
    // The stall stays to 150 s; 10 s after opening it is still there.
    warnCamera({ id: 'warn-long', district: JA, scene: 'stall', source: await file('stall') }, 10, base),
  ] }));
  const [started, keys] = await Promise.all([startServe({ ...site.env, HUIYAN_INFERENCE_THREADS: '1' }), createAccounts(site.env)]);
  serve = started;
  logins = await loginAll(serve.url, keys);
}, { timeout: 900_000 });

after(async () => {
  await serve?.stop();
  receiver?.closeAllConnections();
  await new Promise((r) => (receiver ? receiver.close(r) : r(undefined)));
  await site?.cleanup();
}, { timeout: 120_000 });

const detail = async (id: string) => (await getJson<Detail>(`${serve.url}/api/cases/${id}`, logins.admin)).body;

/** Every bundle folder name in the evidence store (fs store). */
async function bundleNames(): Promise<string[]> {
  const all = await readdir(site.env.HUIYAN_EVIDENCE_DIR!, { recursive: true });
  return all.map((p) => path.basename(String(p)));
}

describe('warn first through huiyan serve', { concurrency: 1 }, () => {
  it('persists past a 10 s grace: exactly one case, warned first, with before and after evidence', { timeout: 400_000 }, async () => {
    const found = await waitForCases(serve.url, logins.admin, 'warn-long', 300_000, 10_000);
    assert.equal(found.length, 1, `one case: ${JSON.stringify(found)}`);
    const c = await detail(found[0]!.id);
    assert.equal(c.state, 'pending_review');
    assert.equal(c.warning?.outcome, 'filed', JSON.stringify(c));
    assert.equal(c.warning?.graceSeconds, 10);
    const afterBundle = c.warning?.after?.bundleId;
    assert.ok(afterBundle && afterBundle !== c.bundleId, `an after bundle of its own: ${JSON.stringify(c.warning)}`);
    assert.ok((await bundleNames()).some((n) => n.includes(afterBundle)), 'the after bundle is sealed in the store');
    const verified = await getJson<{ ok: boolean; bundleId: string; problems: string[] }>(`${serve.url}/api/cases/${c.id}/verify?bundle=after`, logins.admin);
    assert.deepEqual([verified.body.bundleId, verified.body.ok], [afterBundle, true], JSON.stringify(verified.body));
    await checkCase(serve.url, logins, found[0]!);
    const speaker = heard.find((h) => h.path === '/speaker/warn-long');
    assert.ok(speaker, 'the loudspeaker was asked to speak');
    assert.match((JSON.parse(speaker.body) as { text: string }).text, /静安区测试街道发现占道经营行为，请在10秒内自行整改/);
    const audit = await getJson<{ items: { action: string }[] }>(`${serve.url}/api/cases/${c.id}/audit`, logins.admin);
    assert.equal(audit.status, 200);
    const actions = audit.body.items.map((e) => e.action);
    assert.equal(actions.filter((a) => a === 'warn.sent').length, 2, `both channels, audited: ${actions}`);
    // The order to correct (责令改正通知书), signed by the case worker with the warning: listed, audited, verifies.
    type Doc = { kind: string; docNo: string; issuedBy: string; url: string };
    let order: Doc | undefined;
    for (const end = Date.now() + 120_000; !order; await new Promise((r) => setTimeout(r, 2000))) {
      order = (await getJson<{ items: Doc[] }>(`${serve.url}/api/cases/${c.id}/documents`, logins.admin)).body.items.find((d) => d.kind === 'order_to_correct');
      if (!order && Date.now() > end) throw new Error('no order to correct');
    }
    assert.match(order.docNo, /城管改〔\d{4}〕\d{5}号/);
    assert.equal(order.issuedBy, 'system:warn');
    const pdf = Buffer.from(await (await fetch(`${serve.url}${order.url}`, { headers: logins.admin.headers })).arrayBuffer());
    assert.equal((await verifyDocumentSignature(pdf)).ok, true);
    assert.ok((await getJson<{ items: { action: string; details: Record<string, unknown> }[] }>(`${serve.url}/api/cases/${c.id}/audit`, logins.admin)).body.items
      .some((e) => e.action === 'document.issued' && e.details.docNo === order!.docNo));
  });

  it('leaves within a 60 s grace: self-corrected, no case for officers, warning heard', { timeout: 400_000 }, async () => {
    let sc: CaseRow | undefined;
    const deadline = Date.now() + 300_000;
    while (!sc) {
      const r = await getJson<{ items: CaseRow[] }>(`${serve.url}/api/cases?state=self_corrected&limit=500`, logins.admin);
      sc = r.body.items.find((x) => x.cameraId === 'warn-short');
      if (!sc && Date.now() > deadline) throw new Error(`not self-corrected in time: ${JSON.stringify(await getJson(`${serve.url}/api/cases?state=warned`, logins.admin))}`);
      if (!sc) await new Promise((r) => setTimeout(r, 2000));
    }
    const c = await detail(sc.id);
    assert.equal(c.warning?.outcome, 'self_corrected');
    assert.ok(c.bundleId, 'before evidence');
    const afterBundle = c.warning?.after?.bundleId;
    assert.ok(afterBundle && afterBundle !== c.bundleId, `after evidence: the place once cleared (${JSON.stringify(c.warning)})`);
    assert.ok((await bundleNames()).some((n) => n.includes(afterBundle)));
    for (const [bundle, id] of [['case', c.bundleId], ['after', afterBundle]]) {
      const v = await getJson<{ ok: boolean; bundleId: string; problems: string[] }>(`${serve.url}/api/cases/${c.id}/verify?bundle=${bundle}`, logins.admin);
      assert.deepEqual([v.body.bundleId, v.body.ok], [id, true], `${bundle}: ${JSON.stringify(v.body)}`);
    }
    assert.deepEqual(await casesOf(serve.url, logins.admin, 'warn-short'), [], 'no case in the officers\' list');
    const review = await getJson<{ items: CaseRow[] }>(`${serve.url}/api/hits?limit=500`, logins.admin);
    assert.equal(review.body.items.some((x) => x.cameraId === 'warn-short'), false, 'nothing pending review');
    const sms = heard.find((h) => h.path === '/sms/warn-short');
    assert.ok(sms, 'the SMS gateway got the warning');
    const body = JSON.parse(sms.body) as { to: string[]; text: string };
    assert.deepEqual(body.to, ['13800138000']);
    assert.match(body.text, /徐汇区测试街道发现占道经营行为，请在1分钟内自行整改/);
    const stats = await getJson<{ warnFirst: { key: string; selfCorrected: number; filed: number }[] }>(`${serve.url}/api/stats`, logins.admin);
    assert.deepEqual(stats.body.warnFirst, [{ key: 'vending', warned: 0, selfCorrected: 1, filed: 1 }]);
  });
});
