// Shared by `huiyan users` and `huiyan api-keys`: the user store of the configured database
// (HUIYAN_DATABASE_URL / HUIYAN_PG_SCHEMA or PGlite, migrated on open), scope options, and a
// secret read without echo.
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { openCaseStore, dbOptionsFromEnv, type CaseStore } from '../cases/index.ts';
import { API_MIGRATION_DIR } from '../api/db.ts';
import { UserStore } from '../api/auth/users.ts';
import { ROLES, type Role, type Scope } from '../api/auth/access.ts';
import { RuleType } from '../config/schema.ts';
import { formatDuty, parseDuty, TimeScope, TimeScopeError, type TimeScopeT } from '../api/auth/time-scope.ts';
import { loadStreamsConfig } from '../config/load.ts';
import { didYouMean } from '../config/strict.ts';
import { PROJECT_ROOT } from '../inference/manifest.ts';
import type { Queryable } from '../cases/db.ts';
import { UsageError } from './command.ts';

/** Opens the store the API uses; the caller closes it. PGlite allows one process: stop `serve` first. */
export async function openUsers(env = process.env): Promise<{ users: UserStore; store: CaseStore }> {
  const store = await openCaseStore({ ...dbOptionsFromEnv(env), migrations: [API_MIGRATION_DIR] });
  return { users: new UserStore(store.db), store };
}

export const SCOPE_OPTIONS = {
  role: { type: 'string' },
  district: { type: 'string', multiple: true },
  street: { type: 'string', multiple: true },
  category: { type: 'string', multiple: true },
  duty: { type: 'string' },
  'cases-from': { type: 'string' },
  'cases-to': { type: 'string' },
  'allow-unknown': { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

/**
 * `--role`, repeated `--district/--street/--category` (empty lists mean "all"), and the time
 * scope: `--duty 'mon-fri 08:00-18:00'` (Asia/Shanghai), `--cases-from/--cases-to YYYY-MM-DD`
 * (inclusive dates of a case's opening).
 */
export function roleAndScope(v: {
  role?: string; district?: string[]; street?: string[]; category?: string[]; duty?: string; 'cases-from'?: string; 'cases-to'?: string;
}): { role: Role; scope: Scope } {
  if (!v.role || !(ROLES as readonly string[]).includes(v.role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  const categories = (v.category ?? []).map((c) => {
    const r = RuleType.safeParse(c);
    if (!r.success) throw new UsageError(`--category ${c}: expected one of ${RuleType.options.join(', ')}`);
    return r.data;
  });
  const time = timeScope(v);
  return { role: v.role as Role, scope: { districts: v.district ?? [], streets: v.street ?? [], categories, ...(time ? { time } : {}) } };
}

/**
 * The districts and streets a scope names must be places the site knows — named by a camera in
 * $HUIYAN_STREAMS_CONFIG (default streams-config/) or by a case already opened — else a typo
 * ('徐汇' for '徐汇区') would give an officer an empty case list and no error anywhere.
 * Returns warnings to print. Throws UsageError (with the closest known name) for an unknown
 * place, unless `allowUnknown` (`--allow-unknown`: a district whose cameras come later) or the
 * site names no place at all yet (a fresh install: warned, accepted).
 */
export async function checkScopePlaces(scope: Scope, db: Queryable, opts: { allowUnknown?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<string[]> {
  if (!scope.districts.length && !scope.streets.length) return [];
  const env = opts.env ?? process.env;
  const dir = env.HUIYAN_STREAMS_CONFIG ?? path.join(PROJECT_ROOT, 'streams-config');
  const cameras = await loadStreamsConfig(dir).then((c) => c.cameras, () => []);
  const rows = await db.query<{ district: string; street: string }>(`SELECT DISTINCT district, street FROM cases`);
  const known = {
    districts: [...new Set([...cameras.map((c) => c.location.district), ...rows.map((r) => r.district)])].sort(),
    streets: [...new Set([...cameras.map((c) => c.location.street), ...rows.map((r) => r.street)])].sort(),
  };
  const warnings: string[] = [];
  for (const [flag, names, list] of [['--district', scope.districts, known.districts], ['--street', scope.streets, known.streets]] as const) {
    for (const name of names) {
      if (list.includes(name)) continue;
      const where = `no camera in ${dir} and no case names ${flag.slice(2)} "${name}"`;
      if (!list.length) warnings.push(`${flag} ${name}: ${where} (none is named yet); check the spelling`);
      else if (opts.allowUnknown) warnings.push(`${flag} ${name}: ${where}; accepted (--allow-unknown)`);
      else {
        const near = didYouMean(name, list) ?? list.find((k) => k.includes(name) || name.includes(k));
        throw new UsageError(`${flag} ${name}: ${where}${near ? ` — did you mean "${near}"?` : ''} (known: ${list.join(', ')}; --allow-unknown for a place whose cameras come later)`);
      }
    }
  }
  return warnings;
}

function timeScope(v: { duty?: string; 'cases-from'?: string; 'cases-to'?: string }): TimeScopeT | undefined {
  if (v.duty === undefined && v['cases-from'] === undefined && v['cases-to'] === undefined) return undefined;
  let duty;
  try {
    duty = v.duty === undefined ? undefined : parseDuty(v.duty);
  } catch (e) {
    if (e instanceof TimeScopeError) throw new UsageError(`--duty: ${e.message}`);
    throw e;
  }
  const r = TimeScope.safeParse({ duty, casesFrom: v['cases-from'], casesTo: v['cases-to'] });
  if (!r.success) throw new UsageError(`--cases-from/--cases-to: ${r.error.issues.map((i) => i.message).join('; ')} (YYYY-MM-DD)`);
  return r.data;
}

export function parse<O extends ParseArgsConfig['options']>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export const PASSWORD_ENV = 'HUIYAN_NEW_PASSWORD';
const MIN_PASSWORD = 8;

/**
 * The new password: from $HUIYAN_NEW_PASSWORD when set, else typed twice on a terminal with
 * echo off, else the first line of piped stdin. Never printed.
 */
export async function readPassword(env = process.env): Promise<string> {
  const pw = env[PASSWORD_ENV] ?? (process.stdin.isTTY ? await promptTwice() : await firstLine());
  if (pw.length < MIN_PASSWORD) throw new UsageError(`password must have at least ${MIN_PASSWORD} characters`);
  return pw;
}

async function firstLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += chunk.toString();
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

async function promptTwice(): Promise<string> {
  const a = await promptHidden('password: ');
  const b = await promptHidden('again: ');
  if (a !== b) throw new UsageError('the two passwords differ');
  return a;
}

/** Raw mode: keys are read one by one and nothing is echoed. */
function promptHidden(label: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(label);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let s = '';
    const onData = (buf: Buffer) => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(() => resolve(s));
        if (ch === '\u0003') return done(() => reject(new UsageError('cancelled')));
        if (ch === '\u007f' || ch === '\b') s = s.slice(0, -1);
        else s += ch;
      }
    };
    const done = (fn: () => void) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      fn();
    };
    stdin.on('data', onData);
  });
}

export const scopeText = (s: Scope) =>
  [
    ...[['districts', s.districts], ['streets', s.streets], ['categories', s.categories]]
      .filter(([, v]) => (v as string[]).length)
      .map(([k, v]) => `${k}=${(v as string[]).join(',')}`),
    ...(s.time?.duty ? [`duty=${formatDuty(s.time.duty)}`] : []),
    ...(s.time?.casesFrom || s.time?.casesTo ? [`cases=${s.time.casesFrom ?? ''}..${s.time.casesTo ?? ''}`] : []),
  ].join(' ') || 'all';
