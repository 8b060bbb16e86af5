// Finds the party of a new case (执法对象关联): by plate (a truck's plate → its company and
// transport permit), by the shop a frontage zone is bound to (店外经营: the licence number on
// the hit), by place (the hit's zone → the shops whose frontage it covers), else "unknown"
// for an officer to pick. Counts the party's earlier cases within the repeat window.
import { z } from 'zod';
import type { HitEventT } from '../../contracts/hit.ts';
import type { Db, Queryable } from '../db.ts';
import { appendAudit } from '../audit.ts';
import { readParty } from './registry.ts';
import { normalisePlate } from '../../analytics/reading/plate.ts';
import { type CaseParty, type PartyLinkKind, type PartyRecord, type PermitStatus } from './types.ts';

const Env = z.object({
  /** How far back earlier cases of the same party count as repeats (违法次数), in days. */
  HUIYAN_REPEAT_WINDOW_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
});

export function repeatWindowDaysFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return Env.parse(env).HUIYAN_REPEAT_WINDOW_DAYS;
}

/** The plate on a hit (a spillage truck's or a parked vehicle's voted plate, src/contracts/attributes.ts), normalised; undefined when it carries none. */
export function plateOfHit(hit: HitEventT): string | undefined {
  const raw = hit.rule === 'spillage' || hit.rule === 'parking' ? hit.attributes.plate?.plate : undefined;
  return raw ? normalisePlate(raw) : undefined;
}

/** A permit's state on `day` (YYYY-MM-DD, the bureau's date of the violation). */
export function permitStatus(p: Pick<PartyRecord, 'permitNo' | 'permitValidFrom' | 'permitValidTo'>, day: string): PermitStatus {
  if (!p.permitNo) return 'missing';
  if (p.permitValidFrom && day < p.permitValidFrom) return 'not_yet_valid';
  if (p.permitValidTo && day > p.permitValidTo) return 'expired';
  return 'valid';
}

/** Calendar day in Asia/Shanghai (permits run by the bureau's dates). */
export const bureauDay = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 10);

interface CaseRow {
  id: string;
  camera_id: string;
  zone_id: string;
  started_at: Date | string;
}

interface Found {
  partyId: string | null;
  link: PartyLinkKind;
  plate: string | null;
  permitStatus: PermitStatus | null;
  candidates: string[];
}

async function find(tx: Queryable, c: CaseRow, hit: HitEventT, day: string): Promise<Found> {
  const plate = plateOfHit(hit);
  if (plate) {
    const [v] = await tx.query<{ party_id: string }>('SELECT party_id FROM party_vehicles WHERE plate = $1', [plate]);
    if (v) {
      const party = (await readParty(tx, String(v.party_id)))!;
      return { partyId: party.id, link: 'plate', plate, permitStatus: permitStatus(party, day), candidates: [] };
    }
    // A read plate that no company registered: the truck's owner is unknown, not the shop in front.
    return { partyId: null, link: 'unknown', plate, permitStatus: null, candidates: [] };
  }
  if (hit.rule === 'outside_shop') {
    // The shop the zone is bound to; a licence the registry lacks falls back to the zone's frontages.
    const [shop] = await tx.query<{ id: string }>("SELECT id FROM parties WHERE kind = 'shop' AND licence_no = $1", [hit.attributes.partyLicenceNo]);
    if (shop) return { partyId: String(shop.id), link: 'zone', plate: null, permitStatus: null, candidates: [] };
  }
  const fronting = await tx.query<{ party_id: string }>(
    'SELECT party_id FROM party_frontages WHERE camera_id = $1 AND zone_id = $2 ORDER BY party_id', [c.camera_id, c.zone_id]);
  const ids = fronting.map((r) => String(r.party_id));
  if (ids.length === 1) return { partyId: ids[0]!, link: 'zone', plate: null, permitStatus: null, candidates: [] };
  return { partyId: null, link: 'unknown', plate: null, permitStatus: null, candidates: ids };
}

async function repeats(tx: Queryable, partyId: string | null, caseId: string, startedAt: Date, windowDays: number): Promise<number> {
  if (!partyId) return 0;
  const [r] = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM case_parties cp JOIN cases c ON c.id = cp.case_id
     WHERE cp.party_id = $1 AND c.id <> $2 AND c.state <> 'rejected'
       AND c.started_at <= $3::timestamptz AND c.started_at > $3::timestamptz - make_interval(days => $4)`,
    [partyId, caseId, startedAt.toISOString(), windowDays]);
  return Number(r?.n ?? 0);
}

async function write(tx: Queryable, caseId: string, f: Found, repeatCount: number, windowDays: number, actor: string, replace: boolean): Promise<boolean> {
  const rows = await tx.query(
    `INSERT INTO case_parties (case_id, party_id, link, plate, permit_status, candidates, repeat_count, repeat_window_days, linked_by)
     VALUES ($1, $2, $3, $4, $5, $6::uuid[], $7, $8, $9)
     ON CONFLICT (case_id) DO ${replace ? `UPDATE SET party_id = EXCLUDED.party_id, link = EXCLUDED.link, permit_status = EXCLUDED.permit_status,
       repeat_count = EXCLUDED.repeat_count, repeat_window_days = EXCLUDED.repeat_window_days, linked_at = now(), linked_by = EXCLUDED.linked_by` : 'NOTHING'}
     RETURNING case_id`,
    [caseId, f.partyId, f.link, f.plate, f.permitStatus, f.candidates, repeatCount, windowDays, actor]);
  if (!rows.length) return false;
  await appendAudit(tx, { actor, action: 'case.party_linked', targetType: 'case', targetId: caseId,
    details: { partyId: f.partyId, link: f.link, plate: f.plate, permitStatus: f.permitStatus, repeatCount, candidates: f.candidates } });
  return true;
}

/**
 * Links a case to its party once (a redelivered case job finds the link and leaves it):
 * plate first, then the shop bound to a frontage zone, then the zone's frontages, else unknown. Commits with its audit entry
 * (`case.party_linked`). Returns the link, or null when the case does not exist.
 */
export async function linkCaseParty(db: Db, caseId: string, hit: HitEventT, opts: { windowDays: number; actor?: string }): Promise<CaseParty | null> {
  await db.transaction(async (tx) => {
    // Case row before the audit table, the lock order every case writer keeps.
    const [c] = await tx.query<CaseRow>('SELECT id, camera_id, zone_id, started_at FROM cases WHERE id = $1 FOR UPDATE', [caseId]);
    if (!c) return;
    const [done] = await tx.query('SELECT 1 FROM case_parties WHERE case_id = $1', [caseId]);
    if (done) return;
    const started = new Date(c.started_at);
    const f = await find(tx, c, hit, bureauDay(started.getTime()));
    await write(tx, caseId, f, await repeats(tx, f.partyId, caseId, started, opts.windowDays), opts.windowDays, opts.actor ?? 'system:case-worker', false);
  });
  return caseParty(db, caseId);
}

/** An officer picks (or corrects) the party of a case; the permit is re-checked for a company. */
export async function setCaseParty(db: Db, caseId: string, partyId: string, actor: string, windowDays: number): Promise<CaseParty> {
  await db.transaction(async (tx) => {
    const [c] = await tx.query<CaseRow>('SELECT id, camera_id, zone_id, started_at FROM cases WHERE id = $1 FOR UPDATE', [caseId]);
    if (!c) throw new Error(`no case ${caseId}`);
    const party = await readParty(tx, partyId);
    if (!party) throw new PartyLinkError(`no party ${partyId}`);
    const started = new Date(c.started_at);
    const [prev] = await tx.query<{ plate: string | null }>('SELECT plate FROM case_parties WHERE case_id = $1', [caseId]);
    const f: Found = { partyId, link: 'manual', plate: prev?.plate ?? null, candidates: [],
      permitStatus: party.kind === 'transport_company' ? permitStatus(party, bureauDay(started.getTime())) : null };
    await write(tx, caseId, f, await repeats(tx, partyId, caseId, started, windowDays), windowDays, actor, true);
  });
  return (await caseParty(db, caseId))!;
}

export class PartyLinkError extends Error {
  override name = 'PartyLinkError';
}

/** The party link of a case, with the party's record; null before the case is linked. */
export async function caseParty(q: Queryable, caseId: string): Promise<CaseParty | null> {
  const [r] = await q.query<Record<string, unknown>>('SELECT * FROM case_parties WHERE case_id = $1', [caseId]);
  if (!r) return null;
  return {
    caseId, party: r.party_id ? await readParty(q, String(r.party_id)) : null, link: r.link as PartyLinkKind,
    plate: (r.plate as string | null) ?? null, permitStatus: (r.permit_status as PermitStatus | null) ?? null,
    candidates: ((r.candidates as string[] | null) ?? []).map(String), repeatCount: Number(r.repeat_count),
    repeatWindowDays: Number(r.repeat_window_days), linkedAt: new Date(r.linked_at as string), linkedBy: String(r.linked_by),
  };
}
