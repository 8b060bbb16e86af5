// Enforcement targets (执法对象): zod shapes at the boundary (API bodies, import rows) and the
// records the registry returns.
import { z } from 'zod';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { normalisePlate } from '../../analytics/reading/plate.ts';

export const PARTY_KINDS = ['shop', 'transport_company', 'construction_site', 'other'] as const;
export const PartyKind = z.enum(PARTY_KINDS);
export type PartyKindT = z.infer<typeof PartyKind>;

/** Kinds that must carry a licence number (统一社会信用代码); 'other' may not have one. */
export const LICENSED_KINDS: readonly PartyKindT[] = ['shop', 'transport_company', 'construction_site'];

/** A licence plate as stored: GA 36 checked and normalised by the reading stage (`沪A·12345` → `沪A12345`). */
export const Plate = z.string().transform((text) => normalisePlate(text) ?? '').refine((p) => p !== '', { message: 'not a licence plate (GA 36: 沪A12345)' });

const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'date as YYYY-MM-DD').refine(isCalendarDay, 'no such date');

/** Date.parse rolls 2026-02-30 over to March; a real day survives the round trip. */
function isCalendarDay(s: string): boolean {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** A mainland phone number (mobile or landline with area code), stored in E.164. */
export const Phone = z.string().transform((s, ctx) => {
  const p = parsePhoneNumberFromString(s, 'CN');
  if (!p || !p.isValid()) {
    ctx.addIssue({ code: 'custom', message: 'not a valid phone number' });
    return z.NEVER;
  }
  return p.number;
});

const opt = <T extends z.ZodTypeAny>(t: T) => z.preprocess((v) => (v === '' || v === null ? undefined : v), t.optional());

export const Frontage = z.object({ cameraId: z.string().min(1), zoneId: z.string().min(1) });
export type FrontageT = z.infer<typeof Frontage>;

export const PartyInput = z
  .object({
    kind: PartyKind,
    name: z.string().trim().min(1).max(200),
    licenceNo: opt(z.string().trim().min(1).max(64)),
    permitNo: opt(z.string().trim().min(1).max(64)),
    permitValidFrom: opt(IsoDate),
    permitValidTo: opt(IsoDate),
    address: opt(z.string().trim().max(300)),
    contactName: opt(z.string().trim().max(100)),
    contactPhone: opt(Phone),
    district: opt(z.string().trim().max(100)),
    street: opt(z.string().trim().max(100)),
    note: opt(z.string().max(2000)),
    frontages: z.array(Frontage).default([]),
    plates: z.array(Plate).default([]),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (LICENSED_KINDS.includes(p.kind) && !p.licenceNo) ctx.addIssue({ code: 'custom', path: ['licenceNo'], message: `a ${p.kind} needs its licence number` });
    if (p.permitValidFrom && p.permitValidTo && p.permitValidFrom > p.permitValidTo) {
      ctx.addIssue({ code: 'custom', path: ['permitValidTo'], message: 'permit ends before it starts' });
    }
    if (p.plates.length && p.kind !== 'transport_company' && p.kind !== 'other') {
      ctx.addIssue({ code: 'custom', path: ['plates'], message: 'only transport companies and other targets have vehicles' });
    }
  });
export type PartyInputT = z.infer<typeof PartyInput>;

export interface PartyRecord {
  id: string;
  kind: PartyKindT;
  name: string;
  licenceNo: string | null;
  permitNo: string | null;
  /** YYYY-MM-DD */
  permitValidFrom: string | null;
  permitValidTo: string | null;
  address: string | null;
  contactName: string | null;
  contactPhone: string | null;
  district: string | null;
  street: string | null;
  note: string | null;
  frontages: FrontageT[];
  plates: string[];
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export const PERMIT_STATUSES = ['valid', 'expired', 'not_yet_valid', 'missing'] as const;
export type PermitStatus = (typeof PERMIT_STATUSES)[number];
export type PartyLinkKind = 'zone' | 'plate' | 'manual' | 'unknown';

/** The party of one case. */
export interface CaseParty {
  caseId: string;
  party: PartyRecord | null;
  link: PartyLinkKind;
  /** The plate read on the hit (spillage, parking), whether or not it is registered. */
  plate: string | null;
  /** The company's transport permit on the day of the violation (plate links only). */
  permitStatus: PermitStatus | null;
  /** Parties an officer may pick from when the zone fronts several. */
  candidates: string[];
  /** Earlier cases of the same party within repeatWindowDays before this one. */
  repeatCount: number;
  repeatWindowDays: number;
  linkedAt: Date;
  linkedBy: string;
}
