// Login throttling by failures, per account and per client address. Only failed logins count
// (a successful one clears its account's count); once a key has `max` failures inside
// `windowMs` it is locked for `baseLockMs`, doubling with each further failure up to
// `maxLockMs`; every lock expires, so a legitimate user is never locked out for longer than
// `maxLockMs` after the attacker stops. Checked before the password hash is computed, so a
// throttled attempt costs no scrypt. State is in this process's memory (one API process per
// appliance); a restart clears it.

export interface ThrottlePolicy {
  /** Failures tolerated inside the window before the key locks. */
  max: number;
  windowMs: number;
  baseLockMs: number;
  maxLockMs: number;
}

export interface LoginThrottleOptions {
  account?: Partial<ThrottlePolicy>;
  address?: Partial<ThrottlePolicy>;
  now?: () => number;
}

export const ACCOUNT_POLICY: ThrottlePolicy = { max: 5, windowMs: 15 * 60_000, baseLockMs: 60_000, maxLockMs: 15 * 60_000 };
export const ADDRESS_POLICY: ThrottlePolicy = { max: 20, windowMs: 15 * 60_000, baseLockMs: 60_000, maxLockMs: 15 * 60_000 };

interface Entry {
  failures: number[];
  lockedUntil: number;
}

class FailureCounter {
  private readonly entries = new Map<string, Entry>();
  constructor(private readonly p: ThrottlePolicy, private readonly now: () => number) {}

  /** Milliseconds until `key` may try again; 0 when it may now. */
  retryAfter(key: string): number {
    const e = this.entries.get(key);
    return e ? Math.max(0, e.lockedUntil - this.now()) : 0;
  }

  fail(key: string): void {
    const t = this.now();
    const e = this.entries.get(key) ?? { failures: [], lockedUntil: 0 };
    e.failures = e.failures.filter((f) => t - f < this.p.windowMs);
    e.failures.push(t);
    const over = e.failures.length - this.p.max;
    if (over >= 0) e.lockedUntil = t + Math.min(this.p.maxLockMs, this.p.baseLockMs * 2 ** over);
    this.entries.set(key, e);
    if (this.entries.size > 100_000) this.prune(t);
  }

  clear(key: string): void {
    this.entries.delete(key);
  }

  private prune(t: number): void {
    for (const [k, e] of this.entries) if (e.lockedUntil < t && e.failures.every((f) => t - f >= this.p.windowMs)) this.entries.delete(k);
  }
}

export class LoginThrottle {
  private readonly accounts: FailureCounter;
  private readonly addresses: FailureCounter;

  constructor(o: LoginThrottleOptions = {}) {
    const now = o.now ?? Date.now;
    this.accounts = new FailureCounter({ ...ACCOUNT_POLICY, ...o.account }, now);
    this.addresses = new FailureCounter({ ...ADDRESS_POLICY, ...o.address }, now);
  }

  /** Milliseconds the attempt must wait (0 = go ahead), and which limit applies. */
  check(username: string, address: string): { retryAfterMs: number; by?: 'account' | 'address' } {
    const a = this.accounts.retryAfter(username.toLowerCase());
    const b = this.addresses.retryAfter(address);
    if (!a && !b) return { retryAfterMs: 0 };
    return a >= b ? { retryAfterMs: a, by: 'account' } : { retryAfterMs: b, by: 'address' };
  }

  failed(username: string, address: string): void {
    this.accounts.fail(username.toLowerCase());
    this.addresses.fail(address);
  }

  /** A correct password clears the account's failures (the address keeps its count). */
  succeeded(username: string): void {
    this.accounts.clear(username.toLowerCase());
  }
}
