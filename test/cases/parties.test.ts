// Enforcement targets on real PostgreSQL and PGlite: the registry, CSV/XLSX import with
// row-level errors, and the party of each case found through the case queue's real handler
// (plate → company and permit, zone → shop, else unknown), repeats counted, audited once.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import type { Job } from 'bullmq';
import { backends } from './stores.ts';
import { makeHit } from './hits.ts';
import type { CaseStore } from '../../src/cases/index.ts';
import { caseStep } from '../../src/dispatch/case-step.ts';
import { caseParty, importParties, PartyConflictError, PartyRegistry, setCaseParty, ImportFileError } from '../../src/cases/parties/index.ts';

const loc = { district: '徐汇区', street: '漕河泾街道', address: '宜山路 100 号' };
const ev = (n: number) => ({ bundleId: `b-${n}`, storageKey: `bundles/cam-a/${n}`, manifestSha256: 'ab'.repeat(32) });
const job = { name: 'case' } as Job;
// The reading stage's plate vote as spillage hits carry it.
const plateVote = (plate: string) => ({ plate, kind: 'ordinary' as const, confidence: 0.91, votes: 3, reads: 4 });

for (const backend of backends) {
  describe(`parties on ${backend.name}`, () => {
    let store: CaseStore;
    let close: () => Promise<void>;
    let reg: PartyRegistry;
    let shopId: string;
    let companyId: string;
    let lapsedId: string;
    let n = 0;
    const fileCase = async (over: Parameters<typeof makeHit>[1]) => {
      n++;
      const step = caseStep({ store, locate: () => loc, repeatWindowDays: 30 });
      const out = (await step({ hit: makeHit(n, over), evidence: ev(n) }, job)) as { caseId: string };
      return out.caseId;
    };
    before(async () => {
      ({ store, close } = await backend.open());
      reg = new PartyRegistry(store.db);
    });
    after(async () => close?.());

    test('registry: shops with frontage zones, companies with permit and plates; keys unique', async () => {
      const shop = await reg.create({ kind: 'shop', name: '老王水果店', licenceNo: '91310104MA1FL0001X', address: '宜山路 100 号',
        contactPhone: '138 0013 8000', district: '徐汇区', frontages: [{ cameraId: 'cam-a', zoneId: 'sidewalk' }] }, 'user:t');
      shopId = shop.id;
      assert.equal(shop.contactPhone, '+8613800138000');
      assert.deepEqual(shop.frontages, [{ cameraId: 'cam-a', zoneId: 'sidewalk' }]);
      const co = await reg.create({ kind: 'transport_company', name: '申通渣土运输有限公司', licenceNo: '91310000MA1K00002Y', permitNo: '沪建运 2026-0815',
        permitValidFrom: '2026-01-01', permitValidTo: '2026-12-31', plates: ['沪A·12345', '沪ｂ67890'] }, 'user:t');
      companyId = co.id;
      assert.deepEqual(co.plates, ['沪A12345', '沪B67890']);
      assert.equal(co.permitValidTo, '2026-12-31');
      lapsedId = (await reg.create({ kind: 'transport_company', name: '过期运输公司', licenceNo: '91310000MA1K00003Z', permitNo: '沪建运 2025-0001',
        permitValidFrom: '2025-01-01', permitValidTo: '2025-12-31', plates: ['沪C11111'] }, 'user:t')).id;
      await reg.create({ kind: 'transport_company', name: '无证运输', licenceNo: '91310000MA1K00004A', plates: ['沪D22222'] }, 'user:t');

      await assert.rejects(reg.create({ kind: 'other', name: '重复车牌', plates: ['沪A12345'] }, 'user:t'), PartyConflictError);
      await assert.rejects(reg.create({ kind: 'shop', name: '重复执照', licenceNo: '91310104MA1FL0001X' }, 'user:t'), PartyConflictError);
      await assert.rejects(reg.create({ kind: 'shop', name: '无执照' }, 'user:t'), /licence number/);
      await assert.rejects(reg.create({ kind: 'other', name: 'x', plates: ['ABC'] }, 'user:t'), /not a licence plate/);
      await assert.rejects(reg.create({ kind: 'shop', name: 'x', licenceNo: 'y', contactPhone: '12345' }, 'user:t'), /phone/);

      assert.deepEqual((await reg.search({ q: '沪a123' })).items.map((p) => p.name), ['申通渣土运输有限公司']);
      assert.deepEqual((await reg.search({ q: '水果' })).items.map((p) => p.id), [shopId]);
      assert.equal((await reg.search({ kind: 'transport_company' })).total, 3);
      // Scoped to another district: the shop (徐汇区) is hidden, parties without a district show.
      assert.ok(!(await reg.search({ districts: ['滨江区'] })).items.some((p) => p.id === shopId));
      const edited = await reg.update(shopId, { ...strip(shop), contactName: '王师傅' }, 'user:t', shop.version);
      assert.equal(edited.contactName, '王师傅');
      assert.equal(edited.version, 2);
      await assert.rejects(reg.update(shopId, strip(shop), 'user:t', 1), PartyConflictError);
    });

    test('a truck with a registered plate links to its company and permit; an unregistered plate stays unknown', async () => {
      const spill = { rule: 'spillage' as const, cameraId: 'cam-r', zoneId: 'road' };
      const registered = await fileCase({ ...spill, attributes: { plate: plateVote('沪A12345') } });
      const p1 = (await caseParty(store.db, registered))!;
      assert.equal(p1.link, 'plate');
      assert.equal(p1.party?.id, companyId);
      assert.equal(p1.party?.permitNo, '沪建运 2026-0815');
      assert.equal(p1.permitStatus, 'valid');
      assert.equal(p1.plate, '沪A12345');

      const lapsed = (await caseParty(store.db, await fileCase({ ...spill, attributes: { plate: plateVote('沪C11111') } })))!;
      assert.equal(lapsed.party?.id, lapsedId);
      assert.equal(lapsed.permitStatus, 'expired');
      const noPermit = (await caseParty(store.db, await fileCase({ ...spill, attributes: { plate: plateVote('沪D·22222') } })))!;
      assert.equal(noPermit.permitStatus, 'missing');

      const stranger = (await caseParty(store.db, await fileCase({ ...spill, attributes: { plate: plateVote('苏E99999') } })))!;
      assert.equal(stranger.link, 'unknown');
      assert.equal(stranger.party, null);
      assert.equal(stranger.plate, '苏E99999');
      // No plate read and no frontage registered on the road zone: unknown as well.
      assert.equal((await caseParty(store.db, await fileCase({ ...spill })))!.link, 'unknown');
      // A vehicle parked in a no-parking zone links by its plate the same way.
      const parked = (await caseParty(store.db, await fileCase({ rule: 'parking', cameraId: 'cam-r', zoneId: 'gate', attributes: { plate: plateVote('沪A12345') } })))!;
      assert.equal(parked.link, 'plate');
      assert.equal(parked.party?.id, companyId);
    });

    test('a hit in a shop\'s frontage zone links to the shop; repeats within the window are counted; redelivery links once', async () => {
      const day = 86_400_000;
      const t0 = Date.UTC(2026, 10, 1, 2);
      const first = await fileCase({ startedAt: t0 });
      const p = (await caseParty(store.db, first))!;
      assert.equal(p.link, 'zone');
      assert.equal(p.party?.id, shopId);
      assert.equal(p.repeatCount, 0);
      assert.equal((await caseParty(store.db, await fileCase({ startedAt: t0 + 10 * day })))!.repeatCount, 1);
      assert.equal((await caseParty(store.db, await fileCase({ startedAt: t0 + 20 * day })))!.repeatCount, 2);
      // 35 days after the first: the window (30 days) holds only the 2nd and 3rd.
      const late = await fileCase({ startedAt: t0 + 35 * day });
      assert.equal((await caseParty(store.db, late))!.repeatCount, 2);

      // The same case job again (BullMQ redelivery): no second link, no second audit entry.
      const again = caseStep({ store, locate: () => loc, repeatWindowDays: 30 });
      await again({ hit: makeHit(n, { startedAt: t0 + 35 * day }), evidence: ev(n) }, job);
      const entries = await store.auditEntries({ targetType: 'case', targetId: late });
      assert.equal(entries.filter((e) => e.action === 'case.party_linked').length, 1);
      assert.equal((await store.verifyAuditChain()).ok, true);
    });

    test('two shops share a zone: unknown with both as candidates; an officer picks one (audited)', async () => {
      const other = await reg.create({ kind: 'shop', name: '隔壁便利店', licenceNo: '91310104MA1FL0009Q', frontages: [{ cameraId: 'cam-a', zoneId: 'sidewalk' }] }, 'user:t');
      const id = await fileCase({ startedAt: Date.UTC(2026, 10, 20, 2) });
      const p = (await caseParty(store.db, id))!;
      assert.equal(p.link, 'unknown');
      assert.deepEqual([...p.candidates].sort(), [shopId, other.id].sort());
      const picked = await setCaseParty(store.db, id, other.id, 'user:officer', 30);
      assert.equal(picked.link, 'manual');
      assert.equal(picked.party?.name, '隔壁便利店');
      const audit = await store.auditEntries({ targetType: 'case', targetId: id });
      assert.deepEqual(audit.filter((e) => e.action === 'case.party_linked').map((e) => e.actor), ['system:case-worker', 'user:officer']);
      // A party with cases cannot be deleted; one without can.
      await assert.rejects(reg.remove(other.id, 'user:t'), PartyConflictError);
      const spare = await reg.create({ kind: 'other', name: '临时摊点' }, 'user:t');
      await reg.remove(spare.id, 'user:t');
      assert.equal(await reg.get(spare.id), null);
    });

    test('店外经营: the hit names the shop its frontage zone is bound to; an unregistered licence falls back to the zone\'s frontages', async () => {
      // The zone the two shops share (above): the licence on the hit decides, not the shared frontage.
      const bound = await fileCase({ rule: 'outside_shop', attributes: { partyLicenceNo: '91310104MA1FL0001X' }, startedAt: Date.UTC(2026, 10, 21, 2) });
      const p = (await caseParty(store.db, bound))!;
      assert.equal(p.link, 'zone');
      assert.equal(p.party?.id, shopId);
      assert.equal(p.party?.name, '老王水果店');
      const stray = (await caseParty(store.db, await fileCase({ rule: 'outside_shop', attributes: { partyLicenceNo: '91310104MA1FL7777Z' }, startedAt: Date.UTC(2026, 10, 22, 2) })))!;
      assert.equal(stray.link, 'unknown');
      assert.equal(stray.candidates.length, 2);
      // A transport company's licence is no shop.
      const company = (await caseParty(store.db, await fileCase({ rule: 'outside_shop', cameraId: 'cam-s', attributes: { partyLicenceNo: '91310000MA1K00002Y' }, startedAt: Date.UTC(2026, 10, 22, 3) })))!;
      assert.equal(company.link, 'unknown');
      assert.equal(company.party, null);
    });

    test('CSV import: good rows load, bad rows are reported by line and field, a re-import updates', async () => {
      const csv = [
        '类型,名称,统一社会信用代码,许可证号,许可证有效期至,联系电话,门前区域,车牌',
        '商户,张记早餐,91310104MA1FL0101A,,,021-6488 1234,cam-b:front;cam-c:front,',
        '运输企业,城建运输,91310000MA1K00101B,沪建运 2026-0101,2026-06-30,13900139000,,沪E10101;沪E10102',
        '商户,缺执照的店,,,,,,',
        '运输企业,车牌错误,91310000MA1K00102C,,2026-13-01,,,沪A12345;XYZ',
        '飞船,外星人,1,,,,,',
        '',
        '商户,张记早餐 重复,91310104MA1FL0101A,,,,,',
      ].join('\r\n');
      const r = await importParties(store.db, { format: 'csv', data: Buffer.from(`\uFEFF${csv}`) }, 'user:importer');
      assert.equal(r.rows, 6);
      assert.equal(r.created, 2);
      assert.deepEqual(r.errors.map((e) => [e.row, e.field]), [
        [4, 'licenceNo'],
        [5, 'permitValidTo'], [5, 'plates'],
        [6, 'kind'],
        [8, 'licenceNo'],
      ]);
      const co = (await reg.search({ q: '城建运输' })).items[0]!;
      assert.deepEqual(co.plates, ['沪E10101', '沪E10102']);
      assert.equal(co.contactPhone, '+8613900139000');
      const shop = (await reg.search({ q: '张记' })).items[0]!;
      assert.equal(shop.frontages.length, 2);
      // A plate that belongs to another company is a row error, not a silent move.
      const clash = await importParties(store.db, { format: 'csv', data: Buffer.from('kind,name,licence_no,plates\nother,抢车牌,,沪A12345\n') }, 'user:importer');
      assert.deepEqual(clash.errors.map((e) => [e.row, e.field]), [[2, 'plates']]);
      // Re-import with a new phone: updated, not duplicated. A dry run changes nothing.
      const dry = await importParties(store.db, { format: 'csv', data: Buffer.from('类型,名称,统一社会信用代码,联系电话\n商户,张记早餐,91310104MA1FL0101A,13700137000\n') }, 'user:importer', true);
      assert.equal(dry.updated, 1);
      assert.equal((await reg.get(shop.id))!.contactPhone, '+862164881234');
      const again = await importParties(store.db, { format: 'csv', data: Buffer.from('类型,名称,统一社会信用代码,联系电话\n商户,张记早餐,91310104MA1FL0101A,13700137000\n') }, 'user:importer');
      assert.equal(again.updated, 1);
      assert.equal((await reg.get(shop.id))!.contactPhone, '+8613700137000');
      assert.equal((await reg.search({ q: '张记' })).total, 1);
      await assert.rejects(importParties(store.db, { format: 'csv', data: Buffer.from('名称,颜色\n甲,红\n') }, 'u'), ImportFileError);
    });

    test('XLSX import: typed cells (dates, numbers) read like text; errors by sheet line', async () => {
      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet('执法对象');
      ws.addRow(['类型', '名称', '统一社会信用代码', '许可证号', '许可证有效期至', '联系电话', '车牌']);
      ws.addRow(['运输企业', '浦江运输', '91310000MA1K00201D', '沪建运 2026-0201', new Date(Date.UTC(2027, 2, 31)), 13812345678, '沪F20201']);
      ws.addRow(['运输企业', '', '91310000MA1K00202E', '', '', '', '']);
      const data = Buffer.from(await wb.xlsx.writeBuffer());
      const r = await importParties(store.db, { format: 'xlsx', data }, 'user:importer');
      assert.equal(r.created, 1);
      assert.deepEqual(r.errors.map((e) => [e.row, e.field]), [[3, 'name']]);
      const co = (await reg.search({ q: '浦江' })).items[0]!;
      assert.equal(co.permitValidTo, '2027-03-31');
      assert.equal(co.contactPhone, '+8613812345678');
      await assert.rejects(importParties(store.db, { format: 'xlsx', data: Buffer.from('not a zip') }, 'u'), ImportFileError);
    });
  });
}

function strip(p: Awaited<ReturnType<PartyRegistry['create']>>) {
  const { id, createdAt, updatedAt, version, ...rest } = p;
  void id; void createdAt; void updatedAt; void version;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== null));
}
