// INTERIM: stands in for the cases repository until branch `cases` is merged; then the
// harness switches to the real repository through src/api/adapters/. Same lifecycle rules.
import { randomUUID } from 'node:crypto';
import type { RuleTypeT } from '../../../src/config/schema.ts';
import {
  TransitionError,
  type CaseEventView,
  type CaseQuery,
  type CasesPort,
  type CaseState,
  type CaseView,
  type RejectReason,
  type Stats,
} from '../../../src/api/ports.ts';

const NEXT: Record<CaseState, CaseState[]> = {
  new: ['pending_review', 'rejected'],
  pending_review: ['confirmed', 'rejected'],
  confirmed: ['dispatched', 'rejected'],
  dispatched: ['resolved'],
  resolved: [],
  rejected: [],
};

export class InterimCases implements CasesPort {
  readonly cases = new Map<string, CaseView>();
  readonly events = new Map<string, CaseEventView[]>();
  readonly auditLog: { actor: string; action: string; caseId: string; detail?: Record<string, unknown> }[] = [];

  create(c: { hitId: string; cameraId: string; zoneId: string; district: string; street: string; category: RuleTypeT; score: number; bundleId?: string }): CaseView {
    const now = Date.now();
    const v: CaseView = { ...c, id: randomUUID(), state: 'pending_review', openedAt: now, updatedAt: now, reason: null, bundleId: c.bundleId ?? null };
    this.cases.set(v.id, v);
    this.events.set(v.id, [{ at: now, actor: 'system:cases', from: null, to: 'pending_review' }]);
    return v;
  }

  private match(c: CaseView, q: Omit<CaseQuery, 'limit' | 'offset'>): boolean {
    if (q.districts && !q.districts.includes(c.district)) return false;
    if (q.streets && !q.streets.includes(c.street)) return false;
    if (q.categories && !q.categories.includes(c.category)) return false;
    if (q.states && !q.states.includes(c.state)) return false;
    if (q.from !== undefined && c.openedAt < q.from) return false;
    if (q.to !== undefined && c.openedAt > q.to) return false;
    return true;
  }

  async list(q: CaseQuery) {
    const all = [...this.cases.values()].filter((c) => this.match(c, q)).sort((a, b) => b.openedAt - a.openedAt);
    return { items: all.slice(q.offset, q.offset + q.limit), total: all.length };
  }

  async get(id: string) {
    return this.cases.get(id) ?? null;
  }

  async history(id: string) {
    return this.events.get(id) ?? [];
  }

  async transition(id: string, to: CaseState, actor: string, reason?: RejectReason) {
    const c = this.cases.get(id);
    if (!c) throw new TransitionError(`no case ${id}`);
    if (!NEXT[c.state].includes(to)) throw new TransitionError(`a case in state ${c.state} cannot become ${to}`);
    const next = { ...c, state: to, reason: reason ?? null, updatedAt: Date.now() };
    this.cases.set(id, next);
    this.events.get(id)!.push({ at: next.updatedAt, actor, from: c.state, to, reason: reason ?? null });
    return next;
  }

  async stats(q: Omit<CaseQuery, 'limit' | 'offset' | 'states'>): Promise<Stats> {
    const all = [...this.cases.values()].filter((c) => this.match(c, q));
    const count = (key: (c: CaseView) => string) => {
      const m = new Map<string, number>();
      for (const c of all) m.set(key(c), (m.get(key(c)) ?? 0) + 1);
      return [...m].map(([k, n]) => ({ key: k, count: n }));
    };
    const verdicts = new Map<string, { confirmed: number; rejected: number }>();
    for (const c of all) {
      const v = verdicts.get(c.category) ?? { confirmed: 0, rejected: 0 };
      if (['confirmed', 'dispatched', 'resolved'].includes(c.state)) v.confirmed++;
      if (c.state === 'rejected') v.rejected++;
      verdicts.set(c.category, v);
    }
    return {
      byType: count((c) => c.category),
      byDistrict: count((c) => c.district),
      byHour: count((c) => String(new Date(c.openedAt).getHours())),
      verdicts: [...verdicts].map(([key, v]) => ({ key, ...v })),
    };
  }

  async audit(entry: { actor: string; action: string; caseId: string; detail?: Record<string, unknown> }) {
    this.auditLog.push(entry);
  }
}
