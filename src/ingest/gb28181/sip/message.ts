// SIP message model, strict parser and serializer (RFC 3261 §7). Our own small stack instead of
// the unmaintained npm `sip`: every size is bounded so hostile input cannot grow memory.

export const SIP_LIMITS = {
  /** Largest message we accept (UDP datagrams and TCP frames alike). */
  maxMessageBytes: 64 * 1024,
  maxHeaderBytes: 16 * 1024,
  maxHeaders: 100,
  maxBodyBytes: 48 * 1024,
};

export type Header = [name: string, value: string];

export interface SipRequest {
  kind: 'request';
  method: string;
  uri: string;
  headers: Header[];
  body: Buffer;
}

export interface SipResponse {
  kind: 'response';
  status: number;
  reason: string;
  headers: Header[];
  body: Buffer;
}

export type SipMessage = SipRequest | SipResponse;

export class SipParseError extends Error {}

/** RFC 3261 §7.3.3 compact forms → canonical lower-case names. */
const COMPACT: Record<string, string> = {
  i: 'call-id', m: 'contact', e: 'content-encoding', l: 'content-length', c: 'content-type',
  f: 'from', s: 'subject', k: 'supported', t: 'to', v: 'via',
};

/** How we write header names on the wire. */
const CANONICAL: Record<string, string> = {
  'call-id': 'Call-ID', cseq: 'CSeq', via: 'Via', from: 'From', to: 'To', contact: 'Contact',
  'content-length': 'Content-Length', 'content-type': 'Content-Type', 'max-forwards': 'Max-Forwards',
  'www-authenticate': 'WWW-Authenticate', authorization: 'Authorization', expires: 'Expires',
  'user-agent': 'User-Agent', date: 'Date', subject: 'Subject', 'retry-after': 'Retry-After',
};

const TOKEN = /^[A-Za-z0-9.!%*_+`'~-]+$/;

export function normaliseName(name: string): string {
  const lower = name.trim().toLowerCase();
  return COMPACT[lower] ?? lower;
}

function canonicalName(lower: string): string {
  return CANONICAL[lower] ?? lower.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());
}

/** Offset of the blank line ending the header block (index of the first CRLF of CRLFCRLF), or -1. */
export function findHeaderEnd(buf: Buffer, from = 0): number {
  return buf.indexOf('\r\n\r\n', from, 'latin1');
}

/**
 * Parses one complete message. `datagram` = UDP semantics: a body without Content-Length runs to
 * the end of the datagram, and bytes past Content-Length are ignored (RFC 3261 §18.3).
 */
export function parseSipMessage(buf: Buffer, datagram = true): SipMessage {
  if (buf.length > SIP_LIMITS.maxMessageBytes) throw new SipParseError('message too large');
  const end = findHeaderEnd(buf);
  if (end < 0) throw new SipParseError('no end of headers');
  if (end > SIP_LIMITS.maxHeaderBytes) throw new SipParseError('header block too large');
  const head = buf.toString('utf8', 0, end);
  const lines = head.split('\r\n');
  const startLine = lines[0];
  if (/[\r\n\0]/.test(startLine)) throw new SipParseError('bare CR, LF or NUL in start line');
  const headers = parseHeaderLines(lines.slice(1));
  const bodyStart = end + 4;
  const cl = headerValue(headers, 'content-length');
  let bodyLen: number;
  if (cl === undefined) {
    if (!datagram) throw new SipParseError('Content-Length required on a stream');
    bodyLen = buf.length - bodyStart;
  } else {
    if (!/^\d{1,6}$/.test(cl.trim())) throw new SipParseError('bad Content-Length');
    bodyLen = Number(cl.trim());
    if (bodyLen > buf.length - bodyStart) throw new SipParseError('body shorter than Content-Length');
  }
  if (bodyLen > SIP_LIMITS.maxBodyBytes) throw new SipParseError('body too large');
  const body = Buffer.from(buf.subarray(bodyStart, bodyStart + bodyLen));
  return { ...parseStartLine(startLine), headers, body } as SipMessage;
}

function parseStartLine(line: string): Omit<SipRequest, 'headers' | 'body'> | Omit<SipResponse, 'headers' | 'body'> {
  if (line.startsWith('SIP/2.0 ')) {
    const m = /^SIP\/2\.0 ([1-6]\d\d) ?(.*)$/.exec(line);
    if (!m) throw new SipParseError('bad status line');
    return { kind: 'response', status: Number(m[1]), reason: m[2].slice(0, 200) };
  }
  const parts = line.split(' ');
  if (parts.length !== 3 || parts[2] !== 'SIP/2.0') throw new SipParseError('bad request line');
  const [method, uri] = parts;
  if (!TOKEN.test(method) || method.length > 32) throw new SipParseError('bad method');
  if (!/^sips?:[^\s]{1,256}$/i.test(uri)) throw new SipParseError('bad request URI');
  return { kind: 'request', method, uri };
}

function parseHeaderLines(lines: string[]): Header[] {
  const out: Header[] = [];
  for (const line of lines) {
    if (line === '') throw new SipParseError('empty header line');
    // A bare CR or LF inside a line would smuggle a header when we write the value back out.
    if (/[\r\n\0]/.test(line)) throw new SipParseError('bare CR, LF or NUL in header');
    if (line[0] === ' ' || line[0] === '\t') {
      // Header folding (LWS continuation): joins the previous header's value.
      const last = out[out.length - 1];
      if (!last) throw new SipParseError('continuation without header');
      last[1] = `${last[1]} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new SipParseError('header without colon');
    const rawName = line.slice(0, colon).trim();
    if (!TOKEN.test(rawName)) throw new SipParseError('bad header name');
    const name = normaliseName(rawName);
    const value = line.slice(colon + 1).trim();
    // Via, Contact and friends may be comma-joined; we keep them as one value and split on use.
    out.push([name, value]);
    if (out.length > SIP_LIMITS.maxHeaders) throw new SipParseError('too many headers');
  }
  return out;
}

export function headerValue(headers: Header[], name: string): string | undefined {
  const n = normaliseName(name);
  for (const [k, v] of headers) if (k === n) return v;
  return undefined;
}

export function headerValues(headers: Header[], name: string): string[] {
  const n = normaliseName(name);
  return headers.filter(([k]) => k === n).map(([, v]) => v);
}

export function getHeader(msg: SipMessage, name: string): string | undefined {
  return headerValue(msg.headers, name);
}

/** Serializes with Content-Length always recomputed from the body. */
export function serializeSipMessage(msg: SipMessage): Buffer {
  const start = msg.kind === 'request' ? `${msg.method} ${msg.uri} SIP/2.0` : `SIP/2.0 ${msg.status} ${msg.reason}`;
  const lines = [start];
  for (const [k, v] of msg.headers) {
    if (k === 'content-length') continue;
    if (/[\r\n]/.test(v)) throw new Error(`header ${k} contains a line break`);
    lines.push(`${canonicalName(k)}: ${v}`);
  }
  lines.push(`Content-Length: ${msg.body.length}`);
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'utf8'), msg.body]);
}

/** A response that copies the dialog-identifying headers of `req` (RFC 3261 §8.2.6). */
export function makeResponse(req: SipRequest, status: number, reason: string, extra: Header[] = [], body = Buffer.alloc(0)): SipResponse {
  const headers: Header[] = [];
  for (const [k, v] of req.headers) {
    if (k === 'via' || k === 'from' || k === 'call-id' || k === 'cseq') headers.push([k, v]);
    if (k === 'to') headers.push([k, status > 100 && !/;\s*tag=/i.test(v) ? `${v};tag=${randomToken(8)}` : v]);
  }
  headers.push(['user-agent', 'Huiyan-GB28181'], ...extra);
  return { kind: 'response', status, reason, headers, body };
}

export function randomToken(len = 10): string {
  let s = '';
  while (s.length < len) s += Math.floor(Math.random() * 2 ** 32).toString(16);
  return s.slice(0, len);
}

/** Splits `a=1;b="x;y"` style parameter lists, respecting quotes. */
export function parseParams(s: string, sep = ';'): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < s.length && out.size < 32) {
    let j = i;
    let quoted = false;
    while (j < s.length && (quoted || s[j] !== sep)) {
      if (s[j] === '"') quoted = !quoted;
      else if (s[j] === '\\' && quoted) j++;
      j++;
    }
    const part = s.slice(i, j).trim();
    const eq = part.indexOf('=');
    if (part) {
      const k = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
      let v = eq < 0 ? '' : part.slice(eq + 1).trim();
      if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
      out.set(k, v);
    }
    i = j + 1;
  }
  return out;
}

export interface NameAddr {
  uri: string;
  /** User part of the URI: for GB28181 the 20-digit id. */
  user: string;
  host: string;
  params: Map<string, string>;
}

/** Parses From/To/Contact values: `"name" <sip:user@host>;tag=x` or `sip:user@host;tag=x`. */
export function parseNameAddr(v: string): NameAddr | undefined {
  let uri: string;
  let rest: string;
  const lt = v.indexOf('<');
  if (lt >= 0) {
    const gt = v.indexOf('>', lt);
    if (gt < 0) return undefined;
    uri = v.slice(lt + 1, gt);
    rest = v.slice(gt + 1);
  } else {
    const semi = v.indexOf(';');
    uri = (semi < 0 ? v : v.slice(0, semi)).trim();
    rest = semi < 0 ? '' : v.slice(semi);
  }
  const m = /^sips?:(?:([^@;>]*)@)?([^;>?]+)/i.exec(uri);
  if (!m) return undefined;
  return { uri, user: m[1] ?? '', host: m[2], params: parseParams(rest.replace(/^\s*;/, '')) };
}

export interface Via {
  transport: string;
  host: string;
  port?: number;
  params: Map<string, string>;
}

export function parseVia(v: string): Via | undefined {
  const m = /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]+)\s+([^;:\s]+|\[[^\]]+\])(?::(\d{1,5}))?\s*(;.*)?$/i.exec(v.split(',')[0].trim());
  if (!m) return undefined;
  return { transport: m[1].toUpperCase(), host: m[2], port: m[3] ? Number(m[3]) : undefined, params: parseParams((m[4] ?? '').slice(1)) };
}

export function parseCSeq(v: string | undefined): { seq: number; method: string } | undefined {
  const m = v ? /^(\d{1,10})\s+([A-Za-z]+)$/.exec(v.trim()) : null;
  return m ? { seq: Number(m[1]), method: m[2].toUpperCase() } : undefined;
}
