// REGISTER handling (GB/T 28181 §9.1): digest challenge, password check, expiry, unregister,
// rate limiting. Decides only; the server applies the outcome to its device table.
import { type Header, type SipRequest, type SipResponse, getHeader, makeResponse, parseNameAddr } from './sip/message.ts';
import { NonceIssuer, challengeHeader, digestResponse, parseAuthorization, safeEqualHex } from './sip/digest.ts';
import { type Gb28181ConfigT, realmOf } from './config.ts';
import type { Remote } from './sip/transport.ts';

export type RegisterOutcome =
  | { kind: 'registered'; deviceId: string; expiresSeconds: number; response: SipResponse }
  | { kind: 'unregistered'; deviceId: string; response: SipResponse }
  | { kind: 'rejected'; deviceId?: string; reason: string; response: SipResponse };

/** Fixed-window counters; the map is cleared every window, so it never outgrows one window's keys. */
export class RateLimiter {
  private counts = new Map<string, number>();
  private windowStart = 0;

  constructor(private readonly limit: number, private readonly windowMs = 60_000, private readonly maxKeys = 100_000) {}

  allow(key: string, now = Date.now()): boolean {
    if (now - this.windowStart >= this.windowMs) {
      this.counts.clear();
      this.windowStart = now;
    }
    if (!this.counts.has(key) && this.counts.size >= this.maxKeys) return false;
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    return n <= this.limit;
  }
}

/** GB/T 28181 time-sync format: local time, ISO-like, milliseconds, no zone. */
export function gbDate(d = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

export class Registrar {
  private readonly nonces: NonceIssuer;
  private readonly byDevice: RateLimiter;
  private readonly byAddress: RateLimiter;
  private readonly passwords = new Map<string, string | undefined>();

  constructor(private readonly cfg: Gb28181ConfigT) {
    this.nonces = new NonceIssuer(cfg.nonceTtlSeconds * 1000);
    this.byDevice = new RateLimiter(cfg.registerPerMinute);
    // One address may front many devices (an NVR, a lower platform): a looser limit there.
    this.byAddress = new RateLimiter(cfg.registerPerMinute * 20);
    for (const d of cfg.devices) this.passwords.set(d.id, d.password ?? cfg.password);
  }

  private passwordFor(deviceId: string): string | undefined {
    if (this.passwords.has(deviceId)) return this.passwords.get(deviceId);
    return this.cfg.autoRegister ? this.cfg.password : undefined;
  }

  handle(req: SipRequest, remote: Remote): RegisterOutcome {
    const realm = realmOf(this.cfg);
    const to = parseNameAddr(getHeader(req, 'to') ?? '');
    const from = parseNameAddr(getHeader(req, 'from') ?? '');
    const deviceId = to?.user || from?.user;
    const reject = (status: number, reason: string, why: string, extra: Header[] = []): RegisterOutcome => ({
      kind: 'rejected',
      deviceId,
      reason: why,
      response: makeResponse(req, status, reason, extra),
    });
    if (!deviceId || !/^\d{20}$/.test(deviceId)) return reject(400, 'Bad Request', 'device id is not 20 digits');
    const limited = () => reject(503, 'Service Unavailable', 'rate limited', [['retry-after', '60']]);
    if (!this.byAddress.allow(remote.address)) return limited();
    const password = this.passwordFor(deviceId);
    if (password === undefined) return reject(403, 'Forbidden', 'unknown device');
    // Per-id counters only for ids we know, so random ids cannot fill the limiter's table.
    if (!this.byDevice.allow(deviceId)) return limited();

    const challenge = (stale: boolean) =>
      reject(401, 'Unauthorized', stale ? 'stale nonce' : 'challenge', [['www-authenticate', challengeHeader(realm, this.nonces.issue(), stale)]]);
    const creds = parseAuthorization(getHeader(req, 'authorization'));
    if (!creds) return challenge(false);
    if (creds.realm !== realm || (creds.algorithm && creds.algorithm.toUpperCase() !== 'MD5')) return challenge(false);
    const nonceState = this.nonces.check(creds.nonce);
    if (nonceState !== 'ok') return challenge(nonceState === 'stale');
    const want = digestResponse(creds, 'REGISTER', password);
    if (creds.username !== deviceId || !safeEqualHex(want, creds.response)) return reject(403, 'Forbidden', 'wrong password');

    const expires = this.requestedExpires(req);
    const contact: Header = ['contact', getHeader(req, 'contact') ?? `<sip:${deviceId}@${remote.address}:${remote.port}>`];
    if (expires === 0) {
      return { kind: 'unregistered', deviceId, response: makeResponse(req, 200, 'OK', [contact, ['expires', '0'], ['date', gbDate()]]) };
    }
    const granted = Math.min(expires, this.cfg.registerExpiresMaxSeconds);
    return {
      kind: 'registered',
      deviceId,
      expiresSeconds: granted,
      response: makeResponse(req, 200, 'OK', [contact, ['expires', String(granted)], ['date', gbDate()]]),
    };
  }

  private requestedExpires(req: SipRequest): number {
    const h = getHeader(req, 'expires');
    if (h !== undefined && /^\d{1,10}$/.test(h.trim())) return Number(h.trim());
    const c = parseNameAddr(getHeader(req, 'contact') ?? '');
    const p = c?.params.get('expires');
    if (p !== undefined && /^\d{1,10}$/.test(p)) return Number(p);
    return 3600;
  }
}
