// Measures an input's keyframe interval from packet flags (no decoding) so that 'auto'
// keyframe-only mode can decide whether `-skip_frame nokey` still yields the sample rate.
import { spawn } from 'node:child_process';
import { terminate, trackChild } from './child-registry.ts';

/**
 * Median seconds between keyframes over the first `keyframes` keyframes, or undefined when
 * fewer than two arrived within `timeoutMs` (a GOP that long is longer than any sample interval
 * we would skip for).
 */
export function probeGop(url: string, inputArgs: string[], timeoutMs = 8000, keyframes = 4): Promise<number | undefined> {
  const child = spawn(
    'ffprobe',
    ['-v', 'error', ...inputArgs, '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', url],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  trackChild(child);
  const keys: number[] = [];
  let partial = '';
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      void terminate(child, 500);
      if (keys.length < 2) return resolve(undefined);
      const gaps = keys.slice(1).map((v, i) => v - keys[i]!).sort((a, b) => a - b);
      resolve(gaps[Math.floor(gaps.length / 2)]);
    };
    const timer = setTimeout(finish, timeoutMs);
    child.stdout!.on('data', (c: Buffer) => {
      const lines = (partial + c.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const [pts, flags] = line.split(',');
        if (flags?.startsWith('K') && pts && pts !== 'N/A') keys.push(Number(pts));
      }
      if (keys.length >= keyframes) finish();
    });
    child.once('exit', finish);
  });
}
