// CasesPort over the cases stage's CaseStore: scoped filters, keyset pages, history from the
// hash-chained audit log, transitions and evidence-access audit entries.
import type { RuleTypeT } from '../../config/schema.ts';
import {
  CaseNotFoundError,
  IllegalTransitionError,
  VersionConflictError,
  type CaseFilter,
  type CaseRecord,
  type CaseStore,
} from '../../cases/index.ts';
import { NotFound } from '../errors.ts';
import {
  TransitionError,
  type CaseEventView,
  type CaseQuery,
  type CasesPort,
  type CaseState,
  type CaseView,
  type RejectReason,
  type Stats,
} from '../ports.ts';

export function caseView(c: CaseRecord): CaseView {
  return {
    id: c.id,
    hitId: c.hitId,
    cameraId: c.cameraId,
    zoneId: c.zoneId,
    district: c.district,
    street: c.street,
    category: c.rule,
    state: c.state,
    score: c.score,
    openedAt: c.createdAt.getTime(),
    updatedAt: c.updatedAt.getTime(),
    reason: c.rejectReason,
    bundleId: c.evidence?.bundleId ?? null,
  };
}

function filterOf(q: Omit<CaseQuery, 'limit' | 'cursor'>): CaseFilter {
  return {
    districts: q.districts,
    streets: q.streets,
    rule: q.categories as RuleTypeT[] | undefined,
    state: q.states,
    from: q.from === undefined ? undefined : new Date(q.from),
    to: q.to === undefined ? undefined : new Date(q.to),
  };
}

export class StoreCases implements CasesPort {
  constructor(private readonly store: CaseStore) {}

  async list(q: CaseQuery) {
    const page = await this.store.listCases(filterOf(q), { limit: q.limit, cursor: q.cursor });
    return { items: page.items.map(caseView), total: page.total, nextCursor: page.nextCursor };
  }

  async get(id: string) {
    const c = await this.store.getCase(id);
    if (!c) return null;
    // Readings grow while the violation goes on (a plate voted over more frames): the newest wins.
    const events = await this.store.hitEvents(c.hitId);
    const attributes = events.map((e) => e.payload.attributes).filter((a): a is Record<string, unknown> => !!a && typeof a === 'object').at(-1);
    const w = await this.store.warning(c.id);
    const warning = w ? {
      graceSeconds: w.graceSeconds, graceUntil: w.graceUntil.getTime(), outcome: w.outcome, decidedAt: w.decidedAt?.getTime() ?? null,
      after: w.after ? { at: w.after.at.getTime(), bundleId: w.after.evidence?.bundleId ?? null } : null,
      decidedBy: w.decidedBy, note: w.note, noAfterFrame: w.noAfterFrame,
    } : undefined;
    return { ...caseView(c), ...(attributes ? { attributes } : {}), ...(warning ? { warning } : {}) };
  }

  async history(id: string): Promise<CaseEventView[]> {
    const entries = await this.store.auditEntries({ targetType: 'case', targetId: id, limit: 1000 });
    return entries
      .filter((e) => e.action === 'case.created' || e.action === 'case.transition')
      .map((e) => {
        const d = e.details as { from?: string; to?: string; state?: string; reason?: string };
        return {
          at: e.at.getTime(),
          actor: e.actor,
          from: e.action === 'case.created' ? null : (d.from ?? null),
          to: e.action === 'case.created' ? (d.state ?? 'new') : String(d.to),
          reason: d.reason ?? null,
        };
      });
  }

  async auditTrail(id: string) {
    const entries = await this.store.auditEntries({ targetType: 'case', targetId: id, limit: 1000 });
    return entries.map((e) => ({ seq: e.seq, at: e.at.getTime(), actor: e.actor, action: e.action, details: e.details, hash: e.hash }));
  }

  async transition(id: string, to: CaseState, actor: string, reason?: RejectReason, note?: string) {
    try {
      return caseView(await this.store.transition(id, { to, actor, reason, note }));
    } catch (err) {
      if (err instanceof IllegalTransitionError || err instanceof VersionConflictError) throw new TransitionError(err.message);
      if (err instanceof CaseNotFoundError) throw new NotFound(err.message);
      throw err;
    }
  }

  async decideWarning(id: string, outcome: 'self_corrected' | 'filed', actor: string, note: string) {
    try {
      return caseView(await this.store.writer.decideWarning(id, { outcome, actor, note }));
    } catch (err) {
      if (err instanceof IllegalTransitionError) throw new TransitionError(err.message);
      if (err instanceof CaseNotFoundError) throw new NotFound(err.message);
      throw err;
    }
  }

  async stats(q: Omit<CaseQuery, 'limit' | 'cursor' | 'states'>): Promise<Stats> {
    const f = filterOf(q);
    const [s, p, w] = await Promise.all([this.store.stats(f), this.store.precision(f, 'rule'), this.store.warnStats(f)]);
    return {
      byType: s.byType.map((r) => ({ key: r.rule, count: r.count })),
      byDistrict: s.byDistrict.map((r) => ({ key: r.district, count: r.count })),
      byHour: s.byHourOfDay.map((r) => ({ key: String(r.hour), count: r.count })),
      precision: p.groups,
      warnFirst: w.map(({ rule, ...counts }) => ({ key: rule, ...counts })),
    };
  }

  async audit(e: { actor: string; action: string; caseId: string; file?: string; bundleId?: string }) {
    await this.store.recordEvidenceAccess({ actor: e.actor, caseId: e.caseId, purpose: e.action, variant: e.file, bundleId: e.bundleId });
  }
}
