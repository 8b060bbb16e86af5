// HTTP Digest (RFC 2617, MD5) for SIP REGISTER. Nonces are stateless (timestamp + HMAC), so a
// flood of REGISTERs cannot fill a nonce table, yet expiry and forgery are still detected.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { parseParams } from './message.ts';

export function md5(s: string): string {
  return createHash('md5').update(s, 'utf8').digest('hex');
}

export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm?: string;
  qop?: string;
  nc?: string;
  cnonce?: string;
  opaque?: string;
}

export function parseAuthorization(v: string | undefined): DigestCredentials | undefined {
  if (!v) return undefined;
  const m = /^\s*Digest\s+(.*)$/is.exec(v);
  if (!m) return undefined;
  const p = parseParams(m[1], ',');
  const get = (k: string) => p.get(k);
  const username = get('username');
  const realm = get('realm');
  const nonce = get('nonce');
  const uri = get('uri');
  const response = get('response');
  if (!username || realm === undefined || !nonce || !uri || !response) return undefined;
  return { username, realm, nonce, uri, response, algorithm: get('algorithm'), qop: get('qop'), nc: get('nc'), cnonce: get('cnonce'), opaque: get('opaque') };
}

/** The expected `response` value for the given credentials and password. */
export function digestResponse(c: Omit<DigestCredentials, 'response'>, method: string, password: string): string {
  const ha1 = md5(`${c.username}:${c.realm}:${password}`);
  const ha2 = md5(`${method}:${c.uri}`);
  if (c.qop === 'auth') return md5(`${ha1}:${c.nonce}:${c.nc ?? ''}:${c.cnonce ?? ''}:auth:${ha2}`);
  return md5(`${ha1}:${c.nonce}:${ha2}`);
}

export type NonceCheck = 'ok' | 'stale' | 'invalid';

export class NonceIssuer {
  private readonly secret = randomBytes(32);

  constructor(private readonly ttlMs: number, private readonly now: () => number = Date.now) {}

  issue(): string {
    const ts = this.now().toString(16);
    return `${ts}${this.mac(ts)}`;
  }

  check(nonce: string): NonceCheck {
    const m = /^([0-9a-f]{1,13})([0-9a-f]{24})$/.exec(nonce);
    if (!m) return 'invalid';
    const want = Buffer.from(this.mac(m[1]), 'latin1');
    if (!timingSafeEqual(want, Buffer.from(m[2], 'latin1'))) return 'invalid';
    const age = this.now() - parseInt(m[1], 16);
    if (age < -5_000) return 'invalid';
    return age > this.ttlMs ? 'stale' : 'ok';
  }

  private mac(ts: string): string {
    return createHmac('sha256', this.secret).update(ts).digest('hex').slice(0, 24);
  }
}

export function challengeHeader(realm: string, nonce: string, stale = false): string {
  return `Digest realm="${realm}", nonce="${nonce}", algorithm=MD5${stale ? ', stale=TRUE' : ''}`;
}

/** What a device puts in its Authorization header after a 401 (used by the simulator too). */
export function buildAuthorization(opts: { username: string; realm: string; nonce: string; uri: string; method: string; password: string }): string {
  const response = digestResponse({ username: opts.username, realm: opts.realm, nonce: opts.nonce, uri: opts.uri }, opts.method, opts.password);
  return `Digest username="${opts.username}", realm="${opts.realm}", nonce="${opts.nonce}", uri="${opts.uri}", response="${response}", algorithm=MD5`;
}

export function safeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase(), 'latin1');
  const y = Buffer.from(b.toLowerCase(), 'latin1');
  return x.length === y.length && timingSafeEqual(x, y);
}
