// Who may do what (role → actions) and see which objects (region × category × time scope).
// Rule of the API: an object outside the caller's scope answers 404 (its existence is not
// leaked); an action the caller's role may not perform answers 403.
import type { RuleTypeT } from '../../config/schema.ts';
import type { TimeScopeT } from './time-scope.ts';

export const ROLES = ['admin', 'commander', 'officer', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export type Action =
  | 'cases:read'
  | 'cases:review'
  | 'cases:overturn'
  | 'evidence:view'
  | 'evidence:download'
  | 'evidence:verify'
  | 'cameras:read'
  | 'cameras:live'
  | 'zones:write'
  | 'stats:read'
  | 'gb28181:read'
  | 'alerts:subscribe'
  | 'audit:read'
  | 'users:manage'
  | 'parties:read'
  | 'parties:write'
  | 'legal:review'
  | 'discretion:write'
  | 'pii:read';

/** The access matrix; docs/api.md prints the same table. */
export const MATRIX: Record<Action, readonly Role[]> = {
  'cases:read': ['admin', 'commander', 'officer', 'auditor'],
  'cases:review': ['admin', 'commander', 'officer'],
  /** Reject a case someone already confirmed. */
  'cases:overturn': ['admin', 'commander'],
  'evidence:view': ['admin', 'commander', 'officer', 'auditor'],
  'evidence:download': ['admin', 'auditor'],
  'evidence:verify': ['admin', 'commander', 'auditor'],
  'cameras:read': ['admin', 'commander', 'officer', 'auditor'],
  'cameras:live': ['admin', 'commander', 'officer'],
  'zones:write': ['admin'],
  'stats:read': ['admin', 'commander', 'officer', 'auditor'],
  'gb28181:read': ['admin', 'commander'],
  'alerts:subscribe': ['admin', 'commander', 'officer'],
  'audit:read': ['admin', 'auditor'],
  'users:manage': ['admin'],
  'parties:read': ['admin', 'commander', 'officer', 'auditor'],
  'parties:write': ['admin', 'commander'],
  // 法制审核: the auditor role is the bureau's legal reviewer.
  'legal:review': ['admin', 'auditor'],
  'discretion:write': ['admin', 'auditor'],
  // Phone numbers and plates in the clear (src/api/pii.ts): the legal reviewer writes them into
  // notices, the commander edits the party registry. Officers judge from the images and pick
  // parties by name; they get masked values.
  'pii:read': ['admin', 'commander', 'auditor'],
};

/** Empty list = unrestricted on that axis. */
export interface Scope {
  districts: string[];
  streets: string[];
  categories: RuleTypeT[];
  /** Duty window and case-date range (time-scope.ts); absent = any time, any case date. */
  time?: TimeScopeT;
}

export interface Principal {
  kind: 'user' | 'apikey';
  id: string;
  /** Shown in watermarks and audit entries. */
  name: string;
  role: Role;
  scope: Scope;
}

/** How the caller is named in the audit log and case history: stable id, then display name. */
export function actorOf(p: Principal): string {
  return `${p.kind}:${p.id} ${p.name}`;
}

export function can(p: Principal, action: Action): boolean {
  return MATRIX[action].includes(p.role);
}

export interface Scoped {
  district: string;
  street: string;
  /** The violation category; cameras carry several (their rules). */
  categories: readonly string[];
}

/** Region match and at least one shared category (a camera with no rules is region-only). */
export function inScope(scope: Scope, obj: Scoped): boolean {
  if (scope.districts.length && !scope.districts.includes(obj.district)) return false;
  if (scope.streets.length && !scope.streets.includes(obj.street)) return false;
  if (scope.categories.length && obj.categories.length) {
    return obj.categories.some((c) => (scope.categories as readonly string[]).includes(c));
  }
  return true;
}

/**
 * Narrows a requested filter value by the scope. Returns `undefined` for "no restriction",
 * a list to restrict to, or `null` when the request asks for something outside the scope.
 */
export function narrow(allowed: readonly string[], requested: string | undefined): string[] | undefined | null {
  if (requested === undefined) return allowed.length ? [...allowed] : undefined;
  if (allowed.length && !allowed.includes(requested)) return null;
  return [requested];
}
