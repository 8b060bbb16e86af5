// Patrol rotation (轮巡): when the fleet is larger than the budget (concurrent streams and
// samples per second), visit cameras in turn for a dwell each. The camera that has waited
// longest goes next, with waiting time weighted up for key points (重点点位) and cameras with a
// recent hit; a camera whose rule is pending (hold) stays until the rule is decided.
// Pure scheduling logic with an injected clock; PatrolRunner applies it to a CameraManager.

export interface PatrolCamera {
  id: string;
  fps: number;
  keyPoint: boolean;
}

export interface PatrolOptions {
  maxConcurrent: number;
  maxSamplesPerSecond: number;
  dwellMs: number;
  /** Weight of waiting time for key points and for cameras with a hit within hitWindowMs. */
  keyPointWeight?: number;
  hitWeight?: number;
  hitWindowMs?: number;
}

export interface CameraCoverage {
  cameraId: string;
  visits: number;
  lastVisitAt?: number;
  /** Longest time the camera went unwatched (including the current gap). */
  longestRevisitMs: number;
  watching: boolean;
}

interface Entry {
  cam: PatrolCamera;
  visits: number;
  visitStart?: number;
  /** When the camera stopped being watched (or joined the fleet). */
  idleSince: number;
  longestGap: number;
  holdUntil: number;
  lastHit: number;
}

export class PatrolScheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly o: Required<PatrolOptions>;

  constructor(opts: PatrolOptions, private readonly now: () => number = Date.now) {
    this.o = { keyPointWeight: 2, hitWeight: 3, hitWindowMs: 10 * 60_000, ...opts };
  }

  /** Replaces the fleet; known cameras keep their history. */
  setCameras(cams: PatrolCamera[]): void {
    const t = this.now();
    const ids = new Set(cams.map((c) => c.id));
    for (const id of this.entries.keys()) if (!ids.has(id)) this.entries.delete(id);
    for (const cam of cams) {
      const e = this.entries.get(cam.id);
      if (e) e.cam = cam;
      else this.entries.set(cam.id, { cam, visits: 0, idleSince: t, longestGap: 0, holdUntil: 0, lastHit: -Infinity });
    }
  }

  /** Keep this camera watched until `untilMs` (a rule with a dwell time is pending). */
  hold(cameraId: string, untilMs: number): void {
    const e = this.entries.get(cameraId);
    if (e) e.holdUntil = Math.max(e.holdUntil, untilMs);
  }

  /** The pending rule was decided: the camera may rotate out at its next turn. */
  release(cameraId: string): void {
    const e = this.entries.get(cameraId);
    if (e) e.holdUntil = 0;
  }

  reportHit(cameraId: string, at = this.now()): void {
    const e = this.entries.get(cameraId);
    if (e) e.lastHit = at;
  }

  /** Ends visits whose dwell is over, fills free budget by priority; returns the watched set. */
  tick(): string[] {
    const t = this.now();
    const watching = [...this.entries.values()].filter((e) => e.visitStart !== undefined);
    const waiting = [...this.entries.values()]
      .filter((e) => e.visitStart === undefined)
      .sort((a, b) => this.priority(b, t) - this.priority(a, t));
    // Visits past their dwell leave only if someone is waiting to take the slot.
    const over = watching
      .filter((e) => t - e.visitStart! >= this.o.dwellMs && e.holdUntil <= t)
      .sort((a, b) => a.visitStart! - b.visitStart!);
    const staying = new Set(watching);
    for (const e of over.slice(0, waiting.length)) staying.delete(e);
    let slots = this.o.maxConcurrent - staying.size;
    let samples = this.o.maxSamplesPerSecond - [...staying].reduce((s, e) => s + e.cam.fps, 0);
    const starting: Entry[] = [];
    for (const e of waiting) {
      if (slots <= 0) break;
      if (e.cam.fps > samples) continue;
      starting.push(e);
      slots--;
      samples -= e.cam.fps;
    }
    // A camera whose turn is over but found no successor keeps watching.
    for (const e of over) {
      if (staying.has(e)) continue;
      if (slots > 0 && e.cam.fps <= samples) {
        staying.add(e);
        slots--;
        samples -= e.cam.fps;
        continue;
      }
      e.visitStart = undefined;
      e.idleSince = t;
    }
    for (const e of starting) {
      e.longestGap = Math.max(e.longestGap, t - e.idleSince);
      e.visitStart = t;
      e.visits++;
    }
    return [...this.entries.values()].filter((e) => e.visitStart !== undefined).map((e) => e.cam.id);
  }

  coverage(): CameraCoverage[] {
    const t = this.now();
    return [...this.entries.values()].map((e) => ({
      cameraId: e.cam.id,
      visits: e.visits,
      lastVisitAt: e.visitStart ?? (e.visits > 0 ? e.idleSince : undefined),
      longestRevisitMs: e.visitStart !== undefined ? e.longestGap : Math.max(e.longestGap, t - e.idleSince),
      watching: e.visitStart !== undefined,
    }));
  }

  private priority(e: Entry, t: number): number {
    let weight = 1;
    if (e.cam.keyPoint) weight *= this.o.keyPointWeight;
    if (t - e.lastHit <= this.o.hitWindowMs) weight *= this.o.hitWeight;
    // +1 ms so that brand-new cameras are ordered by weight too.
    return (t - e.idleSince + 1) * weight;
  }
}
