// The session-cookie signing secret: given, or generated once into a file (mode 600) so
// sessions survive restarts without the operator having to invent one.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function cookieSecret(given: string | undefined, file: string): string {
  if (given) return given;
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(path.dirname(file), { recursive: true });
  const s = randomBytes(32).toString('hex');
  writeFileSync(file, s, { mode: 0o600 });
  return s;
}
