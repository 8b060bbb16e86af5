// Zone enforcement hours in the camera's local time (default Asia/Shanghai, no DST).
import type { ScheduleWindowT } from '../config/schema.ts';

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** Day of week (1 = Monday … 7 = Sunday) and minutes since local midnight. */
export function localTime(ms: number, timeZone = DEFAULT_TIME_ZONE): { day: number; minutes: number } {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return { day: WEEKDAYS[parts.weekday!]!, minutes: Number(parts.hour) * 60 + Number(parts.minute) };
}

const toMinutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** True when `ms` falls in any window; no windows means always enforced. */
export function isEnforced(windows: ScheduleWindowT[], ms: number, timeZone = DEFAULT_TIME_ZONE): boolean {
  if (windows.length === 0) return true;
  const { day, minutes } = localTime(ms, timeZone);
  const yesterday = day === 1 ? 7 : day - 1;
  return windows.some((w) => {
    const from = toMinutes(w.from);
    const to = toMinutes(w.to);
    if (from === to) return w.days.includes(day);
    if (from < to) return w.days.includes(day) && minutes >= from && minutes < to;
    // Wraps past midnight: the early-morning part belongs to the previous day's window.
    return (w.days.includes(day) && minutes >= from) || (w.days.includes(yesterday) && minutes < to);
  });
}
