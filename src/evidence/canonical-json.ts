// Canonical JSON (RFC 8785-like): object keys sorted by UTF-16 code units, no whitespace,
// numbers and strings serialised as ECMAScript JSON.stringify does. The manifest's hash and
// signature are taken over these bytes, so two writers always produce the same bytes.

export class CanonicalJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CanonicalJsonError';
  }
}

export function canonicalize(value: unknown): string {
  return write(value, '$');
}

export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalize(value), 'utf8');
}

function write(value: unknown, at: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      // NaN and Infinity have no JSON form; refusing them beats silently writing null.
      if (!Number.isFinite(value)) throw new CanonicalJsonError(`non-finite number at ${at}`);
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new CanonicalJsonError(`cannot serialise ${typeof value} at ${at}`);
  }
  if (Array.isArray(value)) {
    return '[' + value.map((v, i) => (v === undefined ? 'null' : write(v, `${at}[${i}]`))).join(',') + ']';
  }
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) throw new CanonicalJsonError(`binary value at ${at}`);
  const obj = value as Record<string, unknown>;
  // Default string sort compares UTF-16 code units, which is exactly RFC 8785's order.
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + write(obj[k], `${at}.${k}`)).join(',') + '}';
}
