// Case store on real PostgreSQL and on PGlite: migrations, idempotent creation, lifecycle,
// hit events, audit chain, filters, statistics and precision.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from './stores.ts';
import { makeHit } from './hits.ts';
import { runMigrations, CASES_MIGRATIONS, IllegalTransitionError, type CaseStore } from '../../src/cases/index.ts';

const loc = { district: '徐汇区', street: '漕河泾街道', address: '宜山路 100 号' };
const ev = (n: number) => ({ bundleId: `b-${n}`, storageKey: `bundles/cam-a/${n}`, manifestSha256: 'ab'.repeat(32) });

for (const backend of backends) {
  describe(`case store on ${backend.name}`, () => {
    let store: CaseStore;
    let close: () => Promise<void>;
    before(async () => ({ store, close } = await backend.open()));
    after(async () => close?.());

    test('migrations are recorded and a second run applies nothing', async () => {
      assert.deepEqual(await runMigrations(store.db, [CASES_MIGRATIONS]), []);
      const rows = await store.db.query<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id');
      assert.deepEqual(rows.map((r) => r.id), ['cases/001_cases.sql', 'cases/002_verdicts.sql', 'cases/010_parties.sql', 'cases/011_legal_review.sql', 'cases/012_documents.sql', 'cases/013_warn_first.sql', 'cases/014_city.sql', 'cases/016_warning_decisions.sql']);
    });

    test('creating a case is idempotent on the hit id, also under concurrent calls', async () => {
      const hit = makeHit(1);
      const results = await Promise.all(Array.from({ length: 6 }, () => store.createFromHit({ hit, location: loc, evidence: ev(1) })));
      assert.equal(results.filter((r) => r.created).length, 1);
      assert.equal(new Set(results.map((r) => r.case.id)).size, 1);
      const c = results[0]!.case;
      assert.equal(c.state, 'pending_review');
      assert.equal(c.localCode, '占道经营');
      assert.equal(c.standardCode, '05-01');
      assert.deepEqual(c.evidence, ev(1));
      assert.ok(c.reviewDueAt && c.reviewDueAt.getTime() - c.createdAt.getTime() === 30 * 60_000);
      const [{ n }] = await store.db.query<{ n: number }>('SELECT count(*)::int AS n FROM cases');
      assert.equal(n, 1);
    });

    test('a hit may pick another listed standard code; ads map to 02-01', async () => {
      const { case: c } = await store.createFromHit({ hit: makeHit(2, { standardCode: '05-04' }), location: loc });
      assert.equal(c.standardCode, '05-04');
      assert.equal(c.state, 'new');
      const { case: a } = await store.createFromHit({ hit: makeHit(3, { rule: 'ads' }), location: loc });
      assert.equal(a.standardCode, '02-01');
      assert.equal(a.localCode, '非法小广告');
      const codes = await store.db.query<{ standard_code: string }>(`SELECT standard_code FROM violation_codes WHERE rule = 'vending' ORDER BY 1`);
      assert.deepEqual(codes.map((r) => r.standard_code), ['05-01', '05-04']);
    });

    test('the lifecycle runs new → pending_review → confirmed → dispatched → resolved and refuses illegal moves', async () => {
      const c = (await store.createFromHit({ hit: makeHit(4), location: loc })).case;
      await assert.rejects(store.transition(c.id, { to: 'confirmed', actor: 'user:li' }), IllegalTransitionError);
      const p = await store.transition(c.id, { to: 'pending_review', actor: 'system:test' });
      await assert.rejects(store.transition(c.id, { to: 'confirmed', actor: 'user:li', expectedVersion: p.version - 1 }), /version/);
      await store.transition(c.id, { to: 'confirmed', actor: 'user:li', expectedVersion: p.version });
      await assert.rejects(store.transition(c.id, { to: 'dispatched', actor: 'user:li' }), /dispatchTo/);
      const d = await store.transition(c.id, { to: 'dispatched', actor: 'user:wang', dispatchTo: 'squad-3' });
      assert.equal(d.dispatchedTo, 'squad-3');
      const r = await store.transition(c.id, { to: 'resolved', actor: 'user:zhao', note: 'stall removed' });
      assert.equal(r.state, 'resolved');
      assert.equal(r.resolutionNote, 'stall removed');
      await assert.rejects(store.transition(c.id, { to: 'rejected', actor: 'user:li', reason: 'duplicate' }), IllegalTransitionError);
      const trail = await store.auditEntries({ targetType: 'case', targetId: c.id });
      assert.deepEqual(
        trail.map((e) => [e.action, e.details.to ?? null, e.actor]),
        [['case.created', null, 'system:case-worker'], ['case.transition', 'pending_review', 'system:test'],
          ['case.transition', 'confirmed', 'user:li'], ['case.transition', 'dispatched', 'user:wang'], ['case.transition', 'resolved', 'user:zhao']],
      );
    });

    test('a rejection needs one of the reason codes and keeps the free text', async () => {
      const c = (await store.createFromHit({ hit: makeHit(5), location: loc, evidence: ev(5) })).case;
      await assert.rejects(store.transition(c.id, { to: 'rejected', actor: 'user:li' }), /reason/);
      await assert.rejects(store.transition(c.id, { to: 'rejected', actor: 'user:li', reason: 'bogus' as never }));
      const r = await store.transition(c.id, { to: 'rejected', actor: 'user:li', reason: 'not_violation', note: '路人' });
      assert.equal(r.rejectReason, 'not_violation');
      assert.equal(r.rejectNote, '路人');
      assert.equal(await store.isBundleProtected('b-5'), false, 'a rejected case does not hold its bundle');
      assert.equal(await store.isBundleProtected('b-1'), true, 'a case in review does');
    });

    test('hit updates and clears are recorded once each and audited on the case', async () => {
      const hit = makeHit(6);
      const c = (await store.createFromHit({ hit, location: loc, evidence: ev(6) })).case;
      assert.equal(await store.recordHitEvent({ ...hit, event: 'updated', seq: 1, at: hit.at + 1000, score: 0.9 }), true);
      assert.equal(await store.recordHitEvent({ ...hit, event: 'updated', seq: 1, at: hit.at + 1000, score: 0.9 }), false);
      assert.equal(await store.recordHitEvent({ ...hit, event: 'cleared', seq: 2, at: hit.at + 5000 }), true);
      const events = await store.hitEvents(hit.hitId);
      assert.deepEqual(events.map((e) => [e.seq, e.event]), [[0, 'opened'], [1, 'updated'], [2, 'cleared']]);
      const hits = await store.listHits({ open: false });
      const h = hits.items.find((x) => x.hitId === hit.hitId)!;
      assert.equal(h.lastEvent, 'cleared');
      assert.equal(h.caseId, c.id);
      assert.equal(h.clearedAt?.getTime(), hit.at + 5000);
      const trail = await store.auditEntries({ targetId: c.id });
      assert.deepEqual(trail.map((e) => e.action).slice(-2), ['hit.updated', 'hit.cleared']);
    });

    test('a transition racing a hit clear on the same case neither deadlocks nor breaks the chain', async () => {
      for (let n = 40; n < 48; n++) {
        const hit = makeHit(n, { rule: 'spillage' });
        const c = (await store.createFromHit({ hit, location: loc, evidence: ev(n) })).case;
        const [after] = await Promise.all([
          store.transition(c.id, { to: 'confirmed', actor: 'user:li' }),
          store.recordHitEvent({ ...hit, event: 'cleared', seq: 1, at: hit.at + 1000 }),
          store.recordEvidenceAccess({ actor: 'user:li', caseId: c.id, purpose: 'review' }),
        ]);
        assert.equal(after.state, 'confirmed');
      }
      assert.equal((await store.verifyAuditChain()).ok, true);
    });

    test('evidence access is audited with actor and purpose', async () => {
      const c = (await store.getCaseByHit(makeHit(1).hitId))!;
      const ref = await store.recordEvidenceAccess({ actor: 'user:auditor', caseId: c.id, purpose: 'legal-review' });
      assert.equal(ref.bundleId, 'b-1');
      const [last] = (await store.auditEntries({ targetId: c.id })).slice(-1);
      assert.equal(last!.action, 'evidence.access');
      assert.equal(last!.actor, 'user:auditor');
      assert.equal(last!.details.purpose, 'legal-review');
    });

    test('the audit log refuses UPDATE, DELETE and TRUNCATE, and the chain verifies', async () => {
      await assert.rejects(store.db.query(`UPDATE audit_log SET actor = 'x' WHERE seq = 1`), /append-only/);
      await assert.rejects(store.db.query('DELETE FROM audit_log WHERE seq = 2'), /append-only/);
      await assert.rejects(store.db.query('TRUNCATE audit_log'), /append-only/);
      const v = await store.verifyAuditChain();
      assert.equal(v.ok, true);
      assert.ok(v.entries >= 15, `entries ${v.entries}`);
    });

    test('cases are filtered by state, type, district and time and paginated without overlap', async () => {
      for (let n = 10; n < 22; n++) {
        await store.createFromHit({ hit: makeHit(n, { rule: n % 3 === 0 ? 'ads' : 'vending' }), evidence: ev(n),
          location: n % 2 ? loc : { district: '静安区', street: '南京西路街道' } });
      }
      const all = await store.listCases({}, { limit: 500 });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await store.listCases({}, { limit: 4, cursor });
        assert.equal(page.total, all.total);
        seen.push(...page.items.map((c) => c.id));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(seen, all.items.map((c) => c.id));
      const jingan = await store.listCases({ district: '静安区', rule: 'vending' });
      assert.ok(jingan.items.length > 0);
      assert.ok(jingan.items.every((c) => c.district === '静安区' && c.rule === 'vending'));
      const scoped = await store.listCases({ districts: ['静安区'] });
      assert.equal(scoped.total, all.items.filter((c) => c.district === '静安区').length);
      assert.equal((await store.listCases({ districts: [] })).total, 0);
      const pending = await store.listCases({ state: ['pending_review'] });
      assert.ok(pending.items.every((c) => c.state === 'pending_review'));
      const future = await store.listCases({ from: new Date(Date.now() + 3600_000) });
      assert.equal(future.total, 0);
    });

    test('statistics by type, district and hour add up to the total', async () => {
      const s = await store.stats();
      const total = (await store.listCases()).total;
      assert.equal(s.total, total);
      for (const part of [s.byType, s.byDistrict, s.byHour, s.byHourOfDay, s.byState]) {
        assert.equal(part.reduce((a, r) => a + r.count, 0), total);
      }
      assert.ok(s.byType.some((r) => r.rule === 'ads'));
      assert.ok(s.byHourOfDay.every((r) => r.hour >= 0 && r.hour < 24));
    });

    test('precision counts confirmations against not_violation / wrong_type rejections', async () => {
      const ads = (await store.listCases({ rule: 'ads', state: 'pending_review' })).items;
      assert.ok(ads.length >= 3);
      await store.transition(ads[0]!.id, { to: 'confirmed', actor: 'user:li' });
      await store.transition(ads[1]!.id, { to: 'rejected', actor: 'user:li', reason: 'wrong_type' });
      await store.transition(ads[2]!.id, { to: 'rejected', actor: 'user:li', reason: 'duplicate' });
      const p = await store.precision({ rule: 'ads' });
      assert.deepEqual(p.overall, { key: 'all', truePositives: 1, falsePositives: 1, excluded: 1, precision: 0.5 });
      const byRule = await store.precision();
      const vending = byRule.groups.find((g) => g.key === 'vending')!;
      assert.equal(vending.truePositives, 1);
      assert.equal(vending.falsePositives, 1);
    });

    test('cases past their review SLA are alerted once each', async () => {
      const now = new Date(Date.now() + 5 * 3600_000); // past every SLA in codes.yaml (max 240 min)
      const overdue = await store.markOverdue(now);
      const pending = await store.listCases({ state: 'pending_review' }, { limit: 500 });
      assert.equal(overdue.length, pending.total);
      assert.ok(overdue.length > 0);
      assert.deepEqual(await store.markOverdue(now), []);
      const notes = await store.writer.pendingNotifications(1000);
      assert.equal(notes.filter((n) => n.kind === 'case.review_overdue').length, overdue.length);
      assert.ok((await store.verifyAuditChain()).ok);
    });

    test('verifyAuditChain names the entry someone altered behind the trigger', async () => {
      await store.db.exec('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change');
      await store.db.query(`UPDATE audit_log SET actor = 'user:mallory' WHERE seq = 3`);
      assert.deepEqual((await store.verifyAuditChain()).problem, { seq: 3, what: 'hash' });
      await store.db.query('DELETE FROM audit_log WHERE seq = 3');
      assert.deepEqual((await store.verifyAuditChain()).problem, { seq: 4, what: 'gap' });
    });
  });
}
