// Standard violation codes beside the bureau's local ones, loaded from a YAML file and
// mirrored into the violation_codes table so reports can join on them.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { RuleType, type RuleTypeT } from '../config/schema.ts';
import { formatIssue, parseStrict } from '../config/load.ts';
import type { Db } from './db.ts';

export const DEFAULT_CODES_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'codes.yaml');

const StandardCode = z.object({ code: z.string().regex(/^\d{2}-\d{2}$/, 'expected NN-NN'), name: z.string().min(1) }).strict();
const RuleCodes = z.object({
  local: z.string().min(1),
  reviewSlaMinutes: z.number().positive(),
  standard: z.array(StandardCode).min(1),
}).strict();
export const CodesFile = z.object({ rules: z.partialRecord(RuleType, RuleCodes) }).strict();
export type RuleCodesT = z.infer<typeof RuleCodes>;
export type ViolationCodes = Partial<Record<RuleTypeT, RuleCodesT>>;

/** The codes file (YAML), strictly: an unknown key is an error with file:line and a "did you mean". */
export async function loadViolationCodes(file = process.env.HUIYAN_CODES ?? DEFAULT_CODES_FILE): Promise<ViolationCodes> {
  const { value, issues } = parseStrict(CodesFile, await readFile(file, 'utf8'), file);
  if (!value) throw new Error(issues.map(formatIssue).join('; '));
  return value.rules;
}

/** The codes file has no entry for a rule: a configuration problem, not worth retrying. */
export class MissingCodeError extends Error {
  override name = 'MissingCodeError';
}

export interface ResolvedCode {
  localCode: string;
  standardCode: string;
  reviewSlaMs: number;
}

/** The codes a new case of `rule` is filed under; `wanted` picks a listed non-default code. */
export function resolveCode(codes: ViolationCodes, rule: RuleTypeT, wanted?: unknown): ResolvedCode {
  const c = codes[rule];
  if (!c) throw new MissingCodeError(`no violation codes configured for rule ${rule}`);
  const pick = c.standard.find((s) => s.code === wanted) ?? c.standard[0]!;
  return { localCode: c.local, standardCode: pick.code, reviewSlaMs: c.reviewSlaMinutes * 60_000 };
}

/** Replaces the violation_codes table with the file's content. */
export async function syncViolationCodes(db: Db, codes: ViolationCodes): Promise<void> {
  await db.transaction(async (tx) => {
    // Processes of a site start together; without the lock two mirrors interleave their
    // DELETE and INSERTs and one fails on the primary key.
    await tx.query('SELECT pg_advisory_xact_lock(7210642)');
    await tx.query('DELETE FROM violation_codes');
    for (const [rule, c] of Object.entries(codes)) {
      for (const [i, s] of c.standard.entries()) {
        await tx.query(
          'INSERT INTO violation_codes (rule, local_code, standard_code, standard_name, is_primary) VALUES ($1, $2, $3, $4, $5)',
          [rule, c.local, s.code, s.name, i === 0],
        );
      }
    }
  });
}
