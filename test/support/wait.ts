// Polls a condition instead of sleeping a fixed time (robust on a loaded CI machine).
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20000, pollMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** PIDs of ffmpeg processes whose parent is this process (from /proc, so leaks are seen even if untracked). */
import { readdirSync, readFileSync } from 'node:fs';
export function childFfmpegPids(parent = process.pid): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && (comm === 'ffmpeg' || comm === 'ffprobe')) out.push(Number(name));
    } catch {
      // process gone meanwhile
    }
  }
  return out;
}

/**
 * Waits for `progress()` to reach `target` for as long as it keeps moving: fails only when it
 * has not grown for `stallMs` (or after `capMs` in all), and the error says how far it got,
 * how fast, and when it last moved — so a loaded machine slows a test down instead of failing it.
 */
export async function waitForProgress(
  what: string,
  progress: () => number,
  target: number,
  { stallMs = 60_000, capMs = 600_000, pollMs = 250 }: { stallMs?: number; capMs?: number; pollMs?: number } = {},
): Promise<{ ms: number }> {
  const start = Date.now();
  let best = progress();
  let lastMove = start;
  for (;;) {
    const now = Date.now();
    const p = progress();
    if (p > best) {
      best = p;
      lastMove = now;
    }
    if (p >= target) return { ms: now - start };
    if (now - lastMove > stallMs || now - start > capMs) {
      const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
      throw new Error(`${what}: got to ${best} of ${target} in ${s(now - start)} (${(best / Math.max(1, (now - start) / 1000)).toFixed(2)}/s); ` +
        (now - start > capMs ? `cap of ${s(capMs)} reached` : `no progress for ${s(now - lastMove)} (stall limit ${s(stallMs)})`));
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
