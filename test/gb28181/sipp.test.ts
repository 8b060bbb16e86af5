// Signalling edge cases driven by sipp (an independent SIP implementation) against our server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEVICE_ID, PASSWORD, startService, until } from './helpers.ts';

const PORT = 15068;
const SIPP_PORT = 15069;
const SCENARIOS = path.resolve(import.meta.dirname, 'sipp');
let env: Awaited<ReturnType<typeof startService>>;
let work = '';

before(async () => {
  // A 1 s nonce lifetime lets the expired-nonce scenario run in seconds.
  // Long keepalive interval: sipp sends none, and no test here should see a keepalive timeout.
  env = await startService(PORT, { nonceTtlSeconds: 1, registerPerMinute: 1000, keepaliveIntervalSeconds: 30 });
  work = await mkdtemp(path.join(os.tmpdir(), 'huiyan-sipp-'));
});
after(async () => {
  await env?.close();
  await rm(work, { recursive: true, force: true });
});

/** Runs one sipp UAC call of `scenario`; resolves with its exit code and error log. */
async function sipp(scenario: string, user: string, password: string): Promise<{ code: number | null; errors: string }> {
  const args = [
    `127.0.0.1:${PORT}`, '-sf', path.join(SCENARIOS, scenario), '-m', '1', '-i', '127.0.0.1', '-p', String(SIPP_PORT),
    '-s', user, '-au', user, '-ap', password, '-nostdin', '-timeout', '20s', '-timeout_error', '-trace_err',
  ];
  const child = spawn('sipp', args, { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  let errors = stderr;
  for (const f of await readdir(work)) if (f.endsWith('_errors.log')) errors += await readFile(path.join(work, f), 'utf8');
  for (const f of await readdir(work)) await rm(path.join(work, f), { force: true });
  return { code, errors };
}

test('sipp: REGISTER without credentials is challenged (401, realm = SIP domain)', async () => {
  const r = await sipp('no-auth.xml', DEVICE_ID, PASSWORD);
  assert.equal(r.code, 0, r.errors);
});

test('sipp: wrong password → 403', async () => {
  const r = await sipp('wrong-password.xml', DEVICE_ID, 'wrong-password');
  assert.equal(r.code, 0, r.errors);
  assert.notEqual(env.svc.server.device(DEVICE_ID)?.online, true);
});

test('sipp: the scenario fails if the password is right (the 403 check is real)', async () => {
  const r = await sipp('wrong-password.xml', DEVICE_ID, PASSWORD);
  assert.notEqual(r.code, 0);
});

test('sipp: an expired nonce gets 401 stale=TRUE, a fresh one 200', async () => {
  const r = await sipp('expired-nonce.xml', DEVICE_ID, PASSWORD);
  assert.equal(r.code, 0, r.errors);
});

test('sipp: register then Expires: 0 unregisters the device', async () => {
  const started = Date.now();
  const offline = new Promise<string>((r) => env.svc.server.once('offline', (_d, why) => r(why)));
  const r = await sipp('unregister.xml', DEVICE_ID, PASSWORD);
  assert.equal(r.code, 0, r.errors);
  assert.equal(await offline, 'unregistered');
  // The scenario's first REGISTER really registered the device before it unregistered.
  assert.ok((env.svc.server.device(DEVICE_ID)?.registeredAt ?? 0) >= started);
  await until('offline', () => env.svc.server.device(DEVICE_ID)?.online === false);
});

test('sipp: an unknown device id is refused with 403', async () => {
  const r = await sipp('unknown-device.xml', '34020000001320000777', PASSWORD);
  assert.equal(r.code, 0, r.errors);
});
