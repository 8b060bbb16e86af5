// The time axis of access (issue 16): a duty-roster window during which a person or key may
// act, and a range of case dates they may see. Times are Asia/Shanghai wall-clock; China has
// had no daylight saving since 1991, so a fixed UTC+8 offset is exact.
import { z } from 'zod';

const SHANGHAI_OFFSET_MS = 8 * 3600_000;
const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const DAY_ZH = ['周一', '周二', '周三', '周四', '周五', '周六', '周日'];
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A weekly duty window: ISO weekdays (1 = Monday … 7 = Sunday), "HH:MM" start and end. */
export const DutyWindow = z
  .object({
    days: z.array(z.number().int().min(1).max(7)).min(1),
    from: z.string().regex(HHMM),
    /** End, exclusive; earlier than `from` for a night shift that runs past midnight. */
    to: z.string().regex(HHMM),
  })
  .strict()
  .refine((d) => d.from !== d.to, { message: 'duty window start and end must differ' });
export type DutyWindowT = z.infer<typeof DutyWindow>;

const CaseDate = z.string().regex(DATE).refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), 'not a calendar date');

/**
 * The time part of a scope, as stored in the `time_scope` column (migration 015) and sent by
 * the API. `casesFrom` / `casesTo` are inclusive Asia/Shanghai dates "YYYY-MM-DD" of a case's
 * opening; any field left out is unrestricted.
 */
export const TimeScope = z
  .object({ duty: DutyWindow.optional(), casesFrom: CaseDate.optional(), casesTo: CaseDate.optional() })
  .strict()
  .refine((t) => !t.casesFrom || !t.casesTo || t.casesFrom <= t.casesTo, { message: 'casesFrom is after casesTo' });
export type TimeScopeT = z.infer<typeof TimeScope>;

/** Throws TimeScopeError for text that is not a duty spec. */
export class TimeScopeError extends Error {
  override name = 'TimeScopeError';
}

/**
 * Parses "mon-fri 08:00-18:00", "sat,sun 09:00-17:00", "daily 20:00-06:00" (night shift)
 * into a DutyWindow. Day lists take names and ranges joined by commas.
 */
export function parseDuty(text: string): DutyWindowT {
  const m = /^\s*([a-z,-]+)\s+(\d{2}:\d{2})-(\d{2}:\d{2})\s*$/i.exec(text);
  if (!m) throw new TimeScopeError(`duty "${text}": expected e.g. "mon-fri 08:00-18:00"`);
  const days = new Set<number>();
  for (const part of m[1]!.toLowerCase().split(',')) {
    if (part === 'daily') {
      for (let d = 1; d <= 7; d++) days.add(d);
      continue;
    }
    const [a, b = a] = part.split('-');
    const i = DAY_NAMES.indexOf(a as (typeof DAY_NAMES)[number]);
    const j = DAY_NAMES.indexOf(b as (typeof DAY_NAMES)[number]);
    if (i < 0 || j < 0) throw new TimeScopeError(`duty "${text}": unknown day "${part}" (mon … sun, daily)`);
    for (let d = i; ; d = (d + 1) % 7) {
      days.add(d + 1);
      if (d === j) break;
    }
  }
  const r = DutyWindow.safeParse({ days: [...days].sort((x, y) => x - y), from: m[2], to: m[3] });
  if (!r.success) throw new TimeScopeError(`duty "${text}": ${r.error.issues[0]?.message}`);
  return r.data;
}

/** "mon,tue,wed 08:00-18:00" — the form parseDuty reads back. */
export function formatDuty(d: DutyWindowT): string {
  return `${d.days.map((n) => DAY_NAMES[n - 1]).join(',')} ${d.from}-${d.to}`;
}

/** "周一、周二 08:00-18:00（北京时间）" for refusals shown to people. */
export function dutyText(d: DutyWindowT): string {
  return `${d.days.map((n) => DAY_ZH[n - 1]).join('、')} ${d.from}-${d.to}（北京时间）`;
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether `atMs` (ms since epoch) falls in the window; a night shift belongs to the day it starts. */
export function onDuty(d: DutyWindowT, atMs: number): boolean {
  const local = new Date(atMs + SHANGHAI_OFFSET_MS);
  const day = ((local.getUTCDay() + 6) % 7) + 1;
  const prev = ((day + 5) % 7) + 1;
  const m = local.getUTCHours() * 60 + local.getUTCMinutes();
  const from = minutes(d.from);
  const to = minutes(d.to);
  if (from < to) return d.days.includes(day) && m >= from && m < to;
  return (d.days.includes(day) && m >= from) || (d.days.includes(prev) && m < to);
}

/** The case-date range as [from, to) in ms since epoch (Shanghai midnights); undefined = open. */
export function caseDateBounds(t: TimeScopeT | undefined): { from?: number; to?: number } {
  const midnight = (s: string) => Date.parse(`${s}T00:00:00Z`) - SHANGHAI_OFFSET_MS;
  return {
    from: t?.casesFrom ? midnight(t.casesFrom) : undefined,
    to: t?.casesTo ? midnight(t.casesTo) + 24 * 3600_000 : undefined,
  };
}
