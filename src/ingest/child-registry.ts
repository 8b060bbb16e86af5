// Every ffmpeg this process starts is registered here so that none outlives it: stop() paths
// kill their own child, and the exit hook below SIGKILLs whatever is left (e.g. after a crash).
import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
let hooked = false;

function killAll(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

export function trackChild(child: ChildProcess): void {
  if (!hooked) {
    hooked = true;
    process.on('exit', killAll);
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/** PIDs of the children still running, for health pages and leak tests. */
export function liveChildPids(): number[] {
  return [...live].map((c) => c.pid).filter((p): p is number => typeof p === 'number');
}

/** Sends SIGTERM, then SIGKILL after `graceMs` if the child is still there; resolves on exit. */
export function terminate(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      // A frozen RTSP peer leaves ffmpeg blocked in read(), where it ignores SIGTERM.
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }, graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      child.kill('SIGTERM');
    } catch {
      // already gone
    }
  });
}
