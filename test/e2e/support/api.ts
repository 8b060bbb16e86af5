// What the matrix checks through the API for each case: exactly one case for the violation,
// evidence that verifies, the officer of its district sees it and an officer of another
// district does not (404 and absent from their list).
import assert from 'node:assert/strict';
import { huiyan, login } from './proc.ts';

export interface Auth {
  headers: Record<string, string>;
}

export interface CaseRow {
  id: string;
  cameraId: string;
  district: string;
  category: string;
  state: string;
  bundleId?: string | null;
}

export const DISTRICTS = ['徐汇区', '静安区'] as const;
const PW = 'matrix-pass-2026';

export interface Logins {
  admin: Auth;
  /** One officer per district in DISTRICTS, by district. */
  officers: Record<string, Auth>;
  /** Officer-role API keys per district (for POSTs: machine clients need no CSRF token). */
  officerKeys: Record<string, Auth>;
}

/**
 * Creates the admin, one officer and one officer API key per district with the bootstrap
 * commands (in parallel; they migrate the schema themselves, so this may run while serve starts).
 */
export async function createAccounts(env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  const e = { ...env, HUIYAN_NEW_PASSWORD: PW };
  const run = async (args: string[]) => {
    const r = await huiyan(args, e);
    assert.equal(r.code, 0, r.out);
    return r.out;
  };
  await run(['users', 'add', 'admin', '--role', 'admin']);
  const keys = await Promise.all(DISTRICTS.map(async (d, i) => {
    const [, out] = await Promise.all([
      run(['users', 'add', `officer${i}`, '--role', 'officer', '--district', d]),
      run(['api-keys', 'add', `officer${i}-key`, '--role', 'officer', '--district', d]),
    ]);
    return [d, /^(hy_\S+)$/m.exec(out)![1]!] as const;
  }));
  return Object.fromEntries(keys);
}

export async function loginAll(url: string, keys: Record<string, string>): Promise<Logins> {
  const officers: Record<string, Auth> = {};
  const officerKeys: Record<string, Auth> = {};
  for (const [i, d] of DISTRICTS.entries()) {
    officers[d] = { headers: { cookie: await login(url, `officer${i}`, PW) } };
    officerKeys[d] = { headers: { 'x-api-key': keys[d]! } };
  }
  return { admin: { headers: { cookie: await login(url, 'admin', PW) } }, officers, officerKeys };
}

export async function bootstrapLogins(url: string, env: NodeJS.ProcessEnv): Promise<Logins> {
  return loginAll(url, await createAccounts(env));
}

export async function getJson<T = unknown>(url: string, auth: Auth): Promise<{ status: number; body: T }> {
  const r = await fetch(url, { headers: auth.headers });
  return { status: r.status, body: (await r.json().catch(() => null)) as T };
}

/** Every case the caller may see for one camera (the list API has no camera filter). */
export async function casesOf(url: string, auth: Auth, cameraId: string): Promise<CaseRow[]> {
  const r = await getJson<{ items: CaseRow[] }>(`${url}/api/cases?limit=500`, auth);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items.filter((c) => c.cameraId === cameraId);
}

/** Waits for the first case of a camera, then `settleMs` more, and returns them all (expect one). */
export async function waitForCases(url: string, auth: Auth, cameraId: string, timeoutMs: number, settleMs = 10_000): Promise<CaseRow[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await casesOf(url, auth, cameraId);
    if (found.length && found.every((c) => c.bundleId)) break;
    if (Date.now() > deadline) throw new Error(`no case with evidence for ${cameraId} within ${timeoutMs} ms (have ${JSON.stringify(found)})`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  await new Promise((r) => setTimeout(r, settleMs));
  return casesOf(url, auth, cameraId);
}

/** The cell's checks on its one case; returns the case's detail + manifest text for extra checks. */
export async function checkCase(url: string, logins: Logins, c: CaseRow): Promise<string> {
  // A case names its bundle once it is sealed in the spool; the uploader then moves it to the
  // store, media first and manifest last. On a busy box (or after a restart with a backlog) that
  // can outlast the wait for the case: give the upload its time, then the bundle must verify.
  const verify = () => getJson<{ ok: boolean; problems: string[]; uploading?: boolean }>(`${url}/api/cases/${c.id}/verify`, logins.admin);
  let v = await verify();
  for (const deadline = Date.now() + 180_000; v.status === 200 && !v.body.ok && v.body.uploading && Date.now() < deadline; v = await verify()) {
    await new Promise((r) => setTimeout(r, 2000));
  }
  assert.equal(v.status, 200, JSON.stringify(v.body));
  assert.equal(v.body.ok, true, `evidence of ${c.id}: ${v.body.problems}`);
  const own = logins.officers[c.district]!;
  const other = logins.officers[DISTRICTS.find((d) => d !== c.district)!]!;
  assert.equal((await getJson(`${url}/api/cases/${c.id}`, own)).status, 200, 'the officer of the district sees the case');
  assert.equal((await casesOf(url, own, c.cameraId)).some((x) => x.id === c.id), true);
  assert.equal((await getJson(`${url}/api/cases/${c.id}`, other)).status, 404, 'an officer of another district does not');
  assert.equal((await casesOf(url, other, c.cameraId)).length, 0);
  const detail = await fetch(`${url}/api/cases/${c.id}`, logins.admin).then((r) => r.text());
  const manifest = await fetch(`${url}/api/cases/${c.id}/evidence/view?name=manifest.json`, logins.admin).then((r) => r.text());
  return `${detail}\n${manifest}`;
}

export async function reject(url: string, auth: Auth, caseId: string, reason: 'not_violation' | 'duplicate'): Promise<void> {
  const r = await fetch(`${url}/api/cases/${caseId}/reject`, {
    method: 'POST',
    headers: { ...auth.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ reason }),
  });
  assert.equal(r.status, 200, await r.text());
}
