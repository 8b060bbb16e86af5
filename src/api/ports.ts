// What the API needs from the other stages. Each stage's real implementation is adapted to
// these in src/api/adapters/; the routes never import a stage directly.
import type { CameraConfig, RuleTypeT } from '../config/schema.ts';
import type { SourceHealth } from '../ingest/types.ts';

export const CASE_STATES = ['new', 'warned', 'self_corrected', 'pending_review', 'confirmed', 'dispatched', 'resolved', 'rejected',
  // the city back half (src/cases/city.ts)
  'delivered', 'acknowledged', 'statement_received', 'decided', 'paid', 'closed'] as const;
/** Cases as officers know them: a warn-first hit still in its grace period, or self-corrected, is not one. */
export const FILED_STATES = CASE_STATES.filter((s) => s !== 'warned' && s !== 'self_corrected');
export type CaseState = (typeof CASE_STATES)[number];
export const REJECT_REASONS = ['not_violation', 'duplicate', 'wrong_type', 'image_unusable'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface CaseView {
  id: string;
  hitId: string;
  cameraId: string;
  zoneId: string;
  district: string;
  street: string;
  category: RuleTypeT;
  state: CaseState;
  score: number;
  /** ms since epoch */
  openedAt: number;
  updatedAt: number;
  reason?: string | null;
  /** Evidence bundle id, when the bundle is sealed. */
  bundleId?: string | null;
  /**
   * One case only (not lists): the rule's attributes from the hit's newest event
   * (src/contracts/attributes.ts) — ads `phones`/`phoneNumbers`, the spillage truck's or parked vehicle's `plate`.
   */
  attributes?: Record<string, unknown>;
  /** One case only, warn-first (限时整改): grace period, outcome, the "after" frame's bundle. */
  warning?: {
    graceSeconds: number;
    /** ms since epoch */
    graceUntil: number;
    outcome: 'self_corrected' | 'filed' | null;
    decidedAt: number | null;
    after: { at: number; bundleId: string | null } | null;
    /** Who settled it: the camera's frame, the backstop (camera silent) or an officer. */
    decidedBy: 'camera' | 'camera_silent' | 'backstop' | 'officer' | null;
    /** The officer's note when an officer decided. */
    note: string | null;
    /** Settled without an after frame, and why: camera_silent | officer_decision. */
    noAfterFrame: 'camera_silent' | 'officer_decision' | null;
  };
}

export interface CaseEventView {
  at: number;
  actor: string;
  from: string | null;
  to: string;
  reason?: string | null;
}

export interface CaseQuery {
  /** undefined = no restriction; a list = any of. Scope is already folded in. */
  districts?: string[];
  streets?: string[];
  categories?: string[];
  states?: CaseState[];
  from?: number;
  to?: number;
  limit: number;
  /** Opaque keyset cursor from the previous page's nextCursor. */
  cursor?: string | null;
}

export interface Stats {
  byType: { key: string; count: number }[];
  byDistrict: { key: string; count: number }[];
  /** Hour of day 0..23 (server local time). */
  /** Hour of day 0..23 in the bureau's time zone. */
  byHour: { key: string; count: number }[];
  /**
   * Officers' verdicts per type: confirmed = true positives; rejected as not a violation or
   * wrong type = false positives; duplicates and unusable images are excluded.
   */
  precision: { key: string; truePositives: number; falsePositives: number; excluded: number; precision: number | null }[];
  /** Warn-first hits (限时整改) per type: in their grace period, self-corrected, filed as cases. */
  warnFirst: { key: string; warned: number; selfCorrected: number; filed: number }[];
}

export class TransitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransitionError';
  }
}

export interface CasesPort {
  list(q: CaseQuery): Promise<{ items: CaseView[]; total: number; nextCursor: string | null }>;
  get(id: string): Promise<CaseView | null>;
  history(id: string): Promise<CaseEventView[]>;
  /** Throws TransitionError for a transition the lifecycle does not allow. */
  /** `note`: the officer's free text, stored with the case and in the audit entry. */
  transition(id: string, to: CaseState, actor: string, reason?: RejectReason, note?: string): Promise<CaseView>;
  /**
   * An officer settles a warned case (限时整改) before the camera does; TransitionError when
   * it is not warned. `filed` goes on to review.
   */
  decideWarning(id: string, outcome: 'self_corrected' | 'filed', actor: string, note: string): Promise<CaseView>;
  stats(q: Omit<CaseQuery, 'limit' | 'cursor' | 'states'>): Promise<Stats>;
  /** The case's entries in the hash-chained audit log, oldest first. */
  auditTrail(id: string): Promise<{ seq: number; at: number; actor: string; action: string; details: Record<string, unknown>; hash: string }[]>;
  /** Appends to the hash-chained audit log (every evidence view goes here). */
  audit(entry: { actor: string; action: string; caseId: string; file?: string; bundleId?: string }): Promise<void>;
}

// The API reads sealed evidence through the evidence stage's reader.
export type { EvidenceFile, VerifyView, EvidenceReader as EvidencePort } from '../evidence/reader.ts';

export interface CameraRuntime {
  health(cameraId: string): SourceHealth | undefined;
  /** Latest full-resolution JPEG from the ring buffer. */
  snapshot(cameraId: string): Promise<Buffer | null>;
}

export interface CameraDirectory {
  list(): CameraConfig[];
  get(id: string): CameraConfig | undefined;
  /** The streams-config file that defines the camera (for zone edits). */
  fileOf(id: string): string | undefined;
  /** Re-reads streams-config/ now (after a zone edit); src/config/directory.ts. */
  reload(): Promise<unknown>;
}

export interface GbDevice {
  deviceId: string;
  name?: string;
  online: boolean;
  lastKeepaliveAt?: number;
  channels: number;
}

export interface GbChannel {
  channelId: string;
  deviceId: string;
  name?: string;
  status?: string;
}

export interface Gb28181Directory {
  devices(): Promise<GbDevice[]>;
  channels(deviceId: string): Promise<GbChannel[] | null>;
}

/** Officers' verdicts go back to detection (analytics' verdict store) through this hook. */
export type VerdictHook = (v: { case: CaseView; verdict: 'confirmed' | 'rejected'; reason?: RejectReason; actor: string; at: number }) => Promise<void>;
