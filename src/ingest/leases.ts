// Camera leases on Redis so several ingest workers share one fleet: a camera is owned by the
// worker whose id is stored at `<prefix>:lease:<cameraId>` (SET NX PX). Owners renew with a
// compare-and-set script; a dead worker's leases expire after the TTL and others take them.
// Workers heartbeat into a sorted set so each aims for a fair share (ceil(cameras / workers)).
// A worker counts a lease as its own only until the time it asked for it plus the TTL (the
// holder-side rule of leases, Gray & Cheriton 1989): a round delayed past that (a starved event
// loop) drops the camera locally at its deadline instead of running it beside its new owner.
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { createLogger, type Logger } from '../util/log.ts';

export interface LeaseOptions {
  /** Key prefix, e.g. 'huiyan' (tests use a unique one). */
  prefix: string;
  workerId: string;
  ttlMs: number;
  /** How often to renew and rebalance (default ttl / 4). */
  intervalMs?: number;
  log?: Logger;
}

// Extend only if we still hold it: never extend or delete another worker's lease.
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export class CameraLeases extends EventEmitter {
  private readonly mine = new Set<string>();
  /** Per owned camera: the moment (ms) its lease may have expired in Redis. */
  private readonly deadlines = new Map<string, number>();
  private expiryTimer?: NodeJS.Timeout;
  private timer?: NodeJS.Timeout;
  private running = false;
  private round: Promise<void> = Promise.resolve();
  private readonly intervalMs: number;
  /** Earliest moment a lease or a peer's heartbeat may expire: wake then to take over at once. */
  private wakeAt = Infinity;
  private readonly log: Logger;

  constructor(
    private readonly redis: Redis,
    private readonly o: LeaseOptions,
  ) {
    super();
    this.intervalMs = o.intervalMs ?? Math.max(100, Math.floor(o.ttlMs / 4));
    this.log = (o.log ?? createLogger({ stage: 'ingest', part: 'leases' })).child({ workerId: o.workerId });
  }

  key(cameraId: string): string {
    return `${this.o.prefix}:lease:${cameraId}`;
  }

  private get workersKey(): string {
    return `${this.o.prefix}:workers`;
  }

  owned(): string[] {
    return [...this.mine].sort();
  }

  /** Runs sync() every interval over the cameras `fleet()` returns; emits 'change' (owned ids). */
  start(fleet: () => string[]): void {
    this.running = true;
    const loop = async () => {
      if (!this.running) return;
      this.round = this.sync(fleet()).catch((e) => this.log.warn('lease round failed', { error: (e as Error).message }));
      await this.round;
      // Renew on the interval, but come back right after a peer's lease could have expired so
      // a dead worker's cameras are taken over within the TTL, not TTL + interval.
      const delay = Math.max(10, Math.min(this.intervalMs, this.wakeAt - Date.now() + 15));
      if (this.running) this.timer = setTimeout(loop, delay);
    };
    void loop();
  }

  /** Stops renewing and releases every lease so others take over at once. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    clearTimeout(this.expiryTimer);
    await this.round;
    await Promise.all([...this.mine].map((id) => this.redis.eval(RELEASE, 1, this.key(id), this.o.workerId)));
    await this.redis.zrem(this.workersKey, this.o.workerId);
    this.setOwned(new Set());
  }

  /** One round: heartbeat, renew, drop leases of removed cameras, shed or take to a fair share. */
  async sync(cameraIds: string[]): Promise<void> {
    const now = Date.now();
    const ttl = String(this.o.ttlMs);
    await this.redis.zadd(this.workersKey, now + this.o.ttlMs, this.o.workerId);
    await this.redis.zremrangebyscore(this.workersKey, '-inf', now);
    const workers = Math.max(1, await this.redis.zcard(this.workersKey));
    this.wakeAt = Infinity;
    const peers = await this.redis.zrange(this.workersKey, '0', '1', 'WITHSCORES');
    for (let i = 0; i + 1 < peers.length; i += 2) {
      if (peers[i] !== this.o.workerId) this.wakeAt = Math.min(this.wakeAt, Number(peers[i + 1]));
    }
    const fleet = new Set(cameraIds);
    const next = new Set<string>();
    for (const id of this.mine) {
      if (!fleet.has(id)) {
        await this.redis.eval(RELEASE, 1, this.key(id), this.o.workerId);
        continue;
      }
      const asked = Date.now();
      if (Number(await this.redis.eval(RENEW, 1, this.key(id), this.o.workerId, ttl)) === 1) {
        next.add(id);
        this.deadlines.set(id, asked + this.o.ttlMs);
      } else this.log.warn('lease lost', { cameraId: id });
    }
    const target = Math.ceil(fleet.size / workers);
    // Shed extras (a new worker joined); the others pick them up on their next round.
    for (const id of [...next].sort().slice(target)) {
      await this.redis.eval(RELEASE, 1, this.key(id), this.o.workerId);
      next.delete(id);
    }
    if (next.size < target) {
      // Random order so that workers starting together do not all race for the same keys.
      const free = [...fleet].filter((id) => !next.has(id)).sort(() => Math.random() - 0.5);
      for (const id of free) {
        if (next.size >= target) break;
        const asked = Date.now();
        if ((await this.redis.set(this.key(id), this.o.workerId, 'PX', this.o.ttlMs, 'NX')) === 'OK') {
          next.add(id);
          this.deadlines.set(id, asked + this.o.ttlMs);
        } else {
          const left = await this.redis.pttl(this.key(id));
          if (left > 0) this.wakeAt = Math.min(this.wakeAt, Date.now() + left);
        }
      }
    }
    this.setOwned(next);
  }

  /** Drops leases whose deadline passed without a renewal, then waits for the next deadline. */
  private expire(): void {
    const now = Date.now();
    const late = [...this.mine].filter((id) => (this.deadlines.get(id) ?? 0) <= now);
    if (late.length) this.log.warn('leases expired before their renewal (worker too slow): cameras dropped', { cameraIds: late });
    this.setOwned(new Set([...this.mine].filter((id) => !late.includes(id))));
  }

  private setOwned(next: Set<string>): void {
    for (const id of this.deadlines.keys()) if (!next.has(id)) this.deadlines.delete(id);
    clearTimeout(this.expiryTimer);
    if (next.size) {
      const first = Math.min(...[...next].map((id) => this.deadlines.get(id) ?? 0));
      this.expiryTimer = setTimeout(() => this.expire(), Math.max(0, first - Date.now()) + 1);
      this.expiryTimer.unref();
    }
    const same = next.size === this.mine.size && [...next].every((id) => this.mine.has(id));
    if (same) return;
    this.mine.clear();
    for (const id of next) this.mine.add(id);
    this.log.info('leases', { owned: this.owned() });
    this.emit('change', this.owned());
  }
}

/** Who owns each camera right now (null: nobody), read straight from Redis. */
export async function leaseOwners(redis: Redis, prefix: string, cameraIds: string[]): Promise<Map<string, string | null>> {
  const values = cameraIds.length ? await redis.mget(cameraIds.map((id) => `${prefix}:lease:${id}`)) : [];
  return new Map(cameraIds.map((id, i) => [id, values[i] ?? null]));
}
