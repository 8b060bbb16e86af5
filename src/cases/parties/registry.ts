// The registry of enforcement targets (执法对象) in the case database: search, create, edit,
// delete; each party with its frontage zones and vehicles. Changes are audited like cases.
import type { Db, Queryable } from '../db.ts';
import { appendAudit } from '../audit.ts';
import { PartyInput, type PartyInputT, type PartyKindT, type PartyRecord } from './types.ts';

export class PartyNotFoundError extends Error {
  override name = 'PartyNotFoundError';
}
/** A unique key (licence number, plate) already belongs to another party, or the party has cases. */
export class PartyConflictError extends Error {
  override name = 'PartyConflictError';
}

export interface PartySearch {
  /** Matches name, licence number, permit number, address or a plate (substring, case-insensitive). */
  q?: string;
  kind?: PartyKindT;
  /** Role scope: parties of these districts (and parties with no district). */
  districts?: string[];
  limit?: number;
  offset?: number;
}

type R = Record<string, unknown>;
const s = (v: unknown) => (v === null || v === undefined ? null : String(v));
const day = (v: unknown) => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10));

function fromRow(r: R): PartyRecord {
  return {
    id: String(r.id), kind: r.kind as PartyKindT, name: String(r.name), licenceNo: s(r.licence_no), permitNo: s(r.permit_no),
    permitValidFrom: day(r.permit_valid_from), permitValidTo: day(r.permit_valid_to), address: s(r.address),
    contactName: s(r.contact_name), contactPhone: s(r.contact_phone), district: s(r.district), street: s(r.street), note: s(r.note),
    frontages: (r.frontages as { cameraId: string; zoneId: string }[] | null) ?? [],
    plates: (r.plates as string[] | null) ?? [],
    createdAt: new Date(r.created_at as string), updatedAt: new Date(r.updated_at as string), version: Number(r.version),
  };
}

// Dates go through to_char so PGlite and pg both hand back YYYY-MM-DD, never a shifted Date.
const SELECT = `SELECT p.id, p.kind, p.name, p.licence_no, p.permit_no,
    to_char(p.permit_valid_from, 'YYYY-MM-DD') AS permit_valid_from, to_char(p.permit_valid_to, 'YYYY-MM-DD') AS permit_valid_to,
    p.address, p.contact_name, p.contact_phone, p.district, p.street, p.note, p.created_at, p.updated_at, p.version,
    COALESCE((SELECT json_agg(json_build_object('cameraId', f.camera_id, 'zoneId', f.zone_id) ORDER BY f.camera_id, f.zone_id)
              FROM party_frontages f WHERE f.party_id = p.id), '[]'::json) AS frontages,
    COALESCE((SELECT json_agg(v.plate ORDER BY v.plate) FROM party_vehicles v WHERE v.party_id = p.id), '[]'::json) AS plates
  FROM parties p`;

export async function readParty(q: Queryable, id: string): Promise<PartyRecord | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const [row] = await q.query(`${SELECT} WHERE p.id = $1`, [id]);
  return row ? fromRow(row) : null;
}

export class PartyRegistry {
  constructor(readonly db: Db) {}

  get(id: string): Promise<PartyRecord | null> {
    return readParty(this.db, id);
  }

  /** Parties matching the search, by name; `total` counts every match. */
  async search(f: PartySearch = {}): Promise<{ items: PartyRecord[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.q?.trim()) {
      params.push(`%${f.q.trim().toLowerCase()}%`);
      const n = params.length;
      where.push(`(lower(p.name) LIKE $${n} OR lower(coalesce(p.licence_no, '')) LIKE $${n} OR lower(coalesce(p.permit_no, '')) LIKE $${n}
        OR lower(coalesce(p.address, '')) LIKE $${n} OR EXISTS (SELECT 1 FROM party_vehicles v WHERE v.party_id = p.id AND lower(v.plate) LIKE $${n}))`);
    }
    if (f.kind) where.push(`p.kind = $${params.push(f.kind)}`);
    if (f.districts?.length) where.push(`(p.district IS NULL OR p.district = ANY($${params.push(f.districts)}::text[]))`);
    const w = where.length ? ` WHERE ${where.join(' AND ')}` : '';
    const [{ n }] = (await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM parties p${w}`, params)) as [{ n: number }];
    const limit = Math.min(f.limit ?? 50, 500);
    const rows = await this.db.query(`${SELECT}${w} ORDER BY p.name, p.id LIMIT ${limit} OFFSET ${Math.max(0, f.offset ?? 0)}`, params);
    return { items: rows.map(fromRow), total: Number(n) };
  }

  /** Creates a party; PartyConflictError when its licence number or a plate is taken. ZodError for bad input. */
  async create(input: unknown, actor: string): Promise<PartyRecord> {
    const p = PartyInput.parse(input);
    return this.db.transaction(async (tx) => {
      const id = await insertParty(tx, p);
      await appendAudit(tx, { actor, action: 'party.created', targetType: 'party', targetId: id, details: { kind: p.kind, name: p.name } });
      return (await readParty(tx, id))!;
    });
  }

  /** Replaces a party's fields, frontages and vehicles; `expectedVersion` guards against lost updates. */
  async update(id: string, input: unknown, actor: string, expectedVersion?: number): Promise<PartyRecord> {
    const p = PartyInput.parse(input);
    return this.db.transaction(async (tx) => {
      await replaceParty(tx, id, p, expectedVersion);
      await appendAudit(tx, { actor, action: 'party.updated', targetType: 'party', targetId: id, details: { kind: p.kind, name: p.name } });
      return (await readParty(tx, id))!;
    });
  }

  /** Deletes a party that no case refers to. */
  async remove(id: string, actor: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [used] = await tx.query('SELECT 1 FROM case_parties WHERE party_id = $1 LIMIT 1', [id]);
      if (used) throw new PartyConflictError(`party ${id} is the party of cases and cannot be deleted`);
      const gone = await tx.query('DELETE FROM parties WHERE id = $1 RETURNING id', [id]);
      if (!gone.length) throw new PartyNotFoundError(`no party ${id}`);
      await appendAudit(tx, { actor, action: 'party.deleted', targetType: 'party', targetId: id });
    });
  }
}

/** The party with this kind and licence number (import matches on it), else null. */
export async function findByLicence(q: Queryable, kind: PartyKindT, licenceNo: string | undefined, name: string): Promise<string | null> {
  const [row] = licenceNo
    ? await q.query<{ id: string }>('SELECT id FROM parties WHERE kind = $1 AND licence_no = $2', [kind, licenceNo])
    : await q.query<{ id: string }>('SELECT id FROM parties WHERE kind = $1 AND licence_no IS NULL AND name = $2 ORDER BY created_at LIMIT 1', [kind, name]);
  return row ? String(row.id) : null;
}

const fields = (p: PartyInputT) => [p.kind, p.name, p.licenceNo ?? null, p.permitNo ?? null, p.permitValidFrom ?? null, p.permitValidTo ?? null,
  p.address ?? null, p.contactName ?? null, p.contactPhone ?? null, p.district ?? null, p.street ?? null, p.note ?? null];

export async function insertParty(tx: Queryable, p: PartyInputT): Promise<string> {
  await checkKeys(tx, p, null);
  const [row] = await tx.query<{ id: string }>(
    `INSERT INTO parties (kind, name, licence_no, permit_no, permit_valid_from, permit_valid_to, address, contact_name, contact_phone, district, street, note)
     VALUES ($1, $2, $3, $4, $5::date, $6::date, $7, $8, $9, $10, $11, $12) RETURNING id`, fields(p));
  const id = String(row!.id);
  await setChildren(tx, id, p);
  return id;
}

export async function replaceParty(tx: Queryable, id: string, p: PartyInputT, expectedVersion?: number): Promise<void> {
  const [cur] = await tx.query<{ version: number }>('SELECT version FROM parties WHERE id = $1 FOR UPDATE', [id]);
  if (!cur) throw new PartyNotFoundError(`no party ${id}`);
  if (expectedVersion !== undefined && expectedVersion !== Number(cur.version)) {
    throw new PartyConflictError(`party ${id} is at version ${cur.version}, not ${expectedVersion}`);
  }
  await checkKeys(tx, p, id);
  await tx.query(
    `UPDATE parties SET kind = $2, name = $3, licence_no = $4, permit_no = $5, permit_valid_from = $6::date, permit_valid_to = $7::date,
       address = $8, contact_name = $9, contact_phone = $10, district = $11, street = $12, note = $13, updated_at = now(), version = version + 1
     WHERE id = $1`, [id, ...fields(p)]);
  await tx.query('DELETE FROM party_frontages WHERE party_id = $1', [id]);
  await tx.query('DELETE FROM party_vehicles WHERE party_id = $1', [id]);
  await setChildren(tx, id, p);
}

/** Clear messages for the unique keys instead of a constraint violation. */
async function checkKeys(tx: Queryable, p: PartyInputT, self: string | null): Promise<void> {
  if (p.licenceNo) {
    const [other] = await tx.query<{ id: string; name: string }>('SELECT id, name FROM parties WHERE kind = $1 AND licence_no = $2 AND id IS DISTINCT FROM $3::uuid', [p.kind, p.licenceNo, self]);
    if (other) throw new PartyConflictError(`licence number ${p.licenceNo} already belongs to ${other.name}`);
  }
  if (p.plates.length) {
    const taken = await tx.query<{ plate: string; name: string }>(
      'SELECT v.plate, p.name FROM party_vehicles v JOIN parties p ON p.id = v.party_id WHERE v.plate = ANY($1::text[]) AND v.party_id IS DISTINCT FROM $2::uuid',
      [p.plates, self]);
    if (taken.length) throw new PartyConflictError(`plate ${taken.map((t) => `${t.plate} (${t.name})`).join(', ')} already registered`);
  }
}

async function setChildren(tx: Queryable, id: string, p: PartyInputT): Promise<void> {
  for (const f of p.frontages) {
    await tx.query('INSERT INTO party_frontages (party_id, camera_id, zone_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [id, f.cameraId, f.zoneId]);
  }
  for (const plate of new Set(p.plates)) await tx.query('INSERT INTO party_vehicles (party_id, plate) VALUES ($1, $2)', [id, plate]);
}
