// Plain types the case repository returns, and the row → record mapping.
import type { RuleTypeT } from '../config/schema.ts';
import type { CaseStateT, RejectReasonT } from './lifecycle.ts';

/** Where a camera stands; copied onto each case so later config edits do not rewrite history. */
export interface CaseLocation {
  district: string;
  street: string;
  address?: string;
}

/** The sealed evidence bundle a case rests on. */
export interface EvidenceRef {
  bundleId: string;
  storageKey: string;
  manifestSha256: string;
}

export interface CaseRecord {
  id: string;
  no: number;
  hitId: string;
  cameraId: string;
  zoneId: string;
  rule: RuleTypeT;
  localCode: string;
  standardCode: string;
  district: string;
  street: string;
  address: string | null;
  state: CaseStateT;
  rejectReason: RejectReasonT | null;
  rejectNote: string | null;
  dispatchedTo: string | null;
  resolutionNote: string | null;
  score: number;
  startedAt: Date;
  detectedAt: Date;
  createdAt: Date;
  updatedAt: Date;
  stateChangedAt: Date;
  reviewDueAt: Date | null;
  overdueAlertedAt: Date | null;
  evidence: EvidenceRef | null;
  /** Increases with every change; pass it back as expectedVersion to avoid lost updates. */
  version: number;
}

export interface HitRecord {
  hitId: string;
  cameraId: string;
  zoneId: string;
  rule: RuleTypeT;
  startedAt: Date;
  lastEvent: 'opened' | 'updated' | 'cleared';
  lastSeq: number;
  lastAt: Date;
  score: number;
  clearedAt: Date | null;
  receivedAt: Date;
  caseId: string | null;
}

export interface Page<T> {
  items: T[];
  total: number;
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

type R = Record<string, unknown>;
const date = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
const dateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : date(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function caseFromRow(r: R): CaseRecord {
  return {
    id: String(r.id),
    no: Number(r.no),
    hitId: String(r.hit_id),
    cameraId: String(r.camera_id),
    zoneId: String(r.zone_id),
    rule: r.rule as RuleTypeT,
    localCode: String(r.local_code),
    standardCode: String(r.standard_code),
    district: String(r.district),
    street: String(r.street),
    address: strOrNull(r.address),
    state: r.state as CaseStateT,
    rejectReason: (r.reject_reason ?? null) as RejectReasonT | null,
    rejectNote: strOrNull(r.reject_note),
    dispatchedTo: strOrNull(r.dispatched_to),
    resolutionNote: strOrNull(r.resolution_note),
    score: Number(r.score),
    startedAt: date(r.started_at),
    detectedAt: date(r.detected_at),
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
    stateChangedAt: date(r.state_changed_at),
    reviewDueAt: dateOrNull(r.review_due_at),
    overdueAlertedAt: dateOrNull(r.overdue_alerted_at),
    evidence: r.bundle_id
      ? { bundleId: String(r.bundle_id), storageKey: String(r.storage_key), manifestSha256: String(r.manifest_sha256) }
      : null,
    version: Number(r.version),
  };
}

export function hitFromRow(r: R): HitRecord {
  return {
    hitId: String(r.hit_id),
    cameraId: String(r.camera_id),
    zoneId: String(r.zone_id),
    rule: r.rule as RuleTypeT,
    startedAt: date(r.started_at),
    lastEvent: r.last_event as HitRecord['lastEvent'],
    lastSeq: Number(r.last_seq),
    lastAt: date(r.last_at),
    score: Number(r.score),
    clearedAt: dateOrNull(r.cleared_at),
    receivedAt: date(r.received_at),
    caseId: strOrNull(r.case_id),
  };
}
