// Personal data in API answers — phone numbers (a party's contact, those read from a poster)
// and licence plates — masked on the server for callers whose role lacks `pii:read`. One
// preSerialization hook covers every JSON answer (cases, parties, a case's party, the legal
// queue), and the evidence view masks JSON files (the manifest carries the hit's attributes);
// sealed originals (`evidence:download`) and images are not rewritten.
import type { FastifyInstance } from 'fastify';
import { can, type Principal } from './auth/access.ts';

/**
 * "13812345678" → "138****5678"; "021-65432198" → "021****2198"; "+8613812345678" →
 * "+86138****5678": first 3 and last 4 digits kept (after China's +86), separators dropped.
 */
export function maskPhone(s: string): string {
  if (s.startsWith('+86')) return `+86${maskPhone(s.slice(3))}`;
  const digits = s.replace(/\D/g, '');
  if (digits.length < 8) return '*'.repeat(Math.max(digits.length - 2, 1)) + digits.slice(-2);
  return `${digits.slice(0, 3)}${'*'.repeat(digits.length - 7)}${digits.slice(-4)}`;
}

/** "沪A12345" / "沪A·12345" → "沪A·***45": province and issuing letter, then the last two characters. */
export function maskPlate(s: string): string {
  const chars = [...s.replace(/[·•.\s-]/g, '')];
  if (chars.length < 5) return '*'.repeat(chars.length);
  return `${chars[0]}${chars[1]}·${'*'.repeat(chars.length - 4)}${chars.slice(-2).join('')}`;
}

/** Runs of 7+ digits (with - or spaces inside) in free text, e.g. a poster's "办证 138 1234 5678". */
const DIGIT_RUN = /\d[\d\s-]{5,}\d/g;
const maskText = (s: string) => s.replace(DIGIT_RUN, (m) => (m.replace(/\D/g, '').length >= 7 ? maskPhone(m) : m));

type Masker = (v: unknown) => unknown;
const str = (f: (s: string) => string): Masker => (v) => (typeof v === 'string' ? f(v) : v);
const each = (f: Masker): Masker => (v) => (Array.isArray(v) ? v.map(f) : v);

/** Field name → how its value is masked, wherever it appears in an answer. */
const FIELDS: Record<string, Masker> = {
  contactPhone: str(maskPhone),
  phoneNumbers: each(str(maskPhone)),
  // A phone reading: number, E.164 form and the text line it came from.
  number: str(maskPhone),
  e164: str(maskPhone),
  source: str(maskText),
  texts: each(str(maskText)),
  plate: (v) => (typeof v === 'string' ? maskPlate(v) : v && typeof v === 'object' ? maskPii(v) : v),
  plates: each(str(maskPlate)),
};
// `number` / `e164` / `source` are masked only inside `phones` (elsewhere they mean other things).
const PHONE_ONLY = new Set(['number', 'e164', 'source']);

/** A deep copy of `v` with the fields above masked (not idempotent: mask once); `inPhones`: inside a `phones` array. */
export function maskPii<T>(v: T, inPhones = false): T {
  if (Array.isArray(v)) return v.map((x) => maskPii(x, inPhones)) as T;
  if (!v || typeof v !== 'object' || v instanceof Date || Buffer.isBuffer(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'phones') out[k] = maskPii(x, true);
    else if (FIELDS[k] && (!PHONE_ONLY.has(k) || inPhones)) out[k] = FIELDS[k]!(x);
    else out[k] = maskPii(x, inPhones);
  }
  return out as T;
}

/** Whether answers to `p` carry personal data in the clear. */
export const seesPii = (p: Principal | null) => !!p && can(p, 'pii:read');

/** Masks every JSON answer to a caller without `pii:read` (error bodies carry none and pass through). */
export function registerPiiMasking(app: FastifyInstance): void {
  app.addHook('preSerialization', async (req, _reply, payload) => (req.principal && !seesPii(req.principal) ? maskPii(payload) : payload));
}
