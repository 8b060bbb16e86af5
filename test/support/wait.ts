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
