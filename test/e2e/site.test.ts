// The multi-process site, each part its own process as in docker-compose.yml: the API, the four
// dispatch workers, and two detector workers sharing 10 cameras through Redis leases, on one
// PostgreSQL and one Redis. kill -9 of a detector worker: the survivor takes its cameras within
// the lease TTL and their violations still become cases; kill -9 mid-violation: still one case.
// Retention sweeps and signed anchors run on their schedule with no manual command.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { leaseOwners } from '../../src/ingest/leases.ts';
import { PROJECT_ROOT } from '../../src/inference/manifest.ts';
import { VTEST } from '../support/rtsp-server.ts';
import { startProc, type Proc } from './support/proc.ts';
import { siteDir, type SiteDir } from './support/env.ts';
import { cameraConfig, footage, freePort } from './support/footage.ts';
import { bootstrapLogins, casesOf, checkCase, waitForCases, type Logins } from './support/api.ts';

const TTL = 3000;
const STALLS = { 'site-0': '徐汇区', 'site-1': '静安区' } as const;
const IDS = Array.from({ length: 10 }, (_, i) => `site-${i}`);

let site: SiteDir;
let env: NodeJS.ProcessEnv;
let url = '';
let logins: Logins;
const procs: Proc[] = [];
const detectors = new Map<string, Proc>();
const redis = new Redis('redis://127.0.0.1:6379');

const w = (file: string) => path.join(PROJECT_ROOT, 'workers', file);

function startDetector(id: string): Proc {
  const p = startProc(`detector ${id}`, w('detector-worker.ts'), [], {
    ...env,
    HUIYAN_WORKER_ID: id,
    HUIYAN_LEASE_TTL_MS: String(TTL),
    HUIYAN_HEALTH_EVERY_MS: '1000',
    HUIYAN_THREADS: '1',
  });
  procs.push(p);
  detectors.set(id, p);
  return p;
}

/** Cameras a detector last reported owning (its health lines). */
function owned(p: Proc): string[] {
  const lines = p.output().split('\n').filter((l) => l.includes('"msg":"health"') || l.includes('"msg":"leases"'));
  const last = lines.at(-1);
  return last ? ((JSON.parse(last) as { owned?: string[] }).owned ?? []) : [];
}

async function until<T>(what: string, f: () => T | undefined | false | Promise<T | undefined | false>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  site = await siteDir('site');
  const live = await freePort();
  env = {
    ...site.env,
    HUIYAN_ANCHOR_EVERY_MS: '3000',
    HUIYAN_RETENTION_EVERY_MS: '3000',
    // Bundles older than ~43 s are due: the sweep must keep those of open cases (and has time to
    // see each sealed bundle reach its case first).
    HUIYAN_EVIDENCE_RETENTION_DAYS: '0.0005',
    HUIYAN_EVIDENCE_ANCHORS: path.join(site.dir, 'anchors-export'),
    HUIYAN_API_PORT: String(await freePort()),
    HUIYAN_LIVE_PORTS: `${live}-${live}`,
  };
  await mkdir(env.HUIYAN_HIT_SPOOL!, { recursive: true });
  const stall = await footage('stall');
  const cams = IDS.map((id) =>
    id in STALLS
      ? cameraConfig({ id, district: STALLS[id as keyof typeof STALLS], scene: 'stall', source: { kind: 'file', path: stall, loop: false, realtime: true } })
      : { id, name: id, location: { district: '徐汇区', street: '测试街道' }, source: { kind: 'file', path: VTEST, loop: true }, sampling: { fps: 1, keyframesOnly: false } },
  );
  await writeFile(path.join(site.streams, 'fleet.yaml'), stringify({ cameras: cams }));
  // One at a time: the first process that needs the evidence keys creates them.
  const api = startProc('api', path.join(PROJECT_ROOT, 'src/api/main.ts'), [], env);
  procs.push(api);
  url = (JSON.parse(await api.waitFor(/"msg":"api listening"/, 300_000)) as { url: string }).url;
  for (const name of ['evidence', 'case', 'hit', 'notify']) {
    const p = startProc(`${name}-worker`, w(`${name}-worker.ts`), [], env);
    procs.push(p);
    await p.waitFor(/"msg":"worker started"/, 300_000);
  }
  logins = await bootstrapLogins(url, env);
  startDetector('wA');
  startDetector('wB');
}, { timeout: 900_000 });

after(async () => {
  for (const p of procs) await p.stop(10_000);
  const keys = await redis.keys(`${env.HUIYAN_QUEUE_PREFIX}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await site?.cleanup();
}, { timeout: 120_000 });

it('two detector workers share 10 cameras; kill -9 of one: the survivor takes its cameras within the TTL and their violations become cases', { timeout: 900_000 }, async () => {
  const [a, b] = [detectors.get('wA')!, detectors.get('wB')!];
  await until('both detector workers own 5 cameras', () => owned(a).length === 5 && owned(b).length === 5, 420_000);
  const victim = owned(a).includes('site-0') ? 'wA' : 'wB';
  const survivor = victim === 'wA' ? 'wB' : 'wA';
  const killedAt = Date.now();
  await detectors.get(victim)!.kill9();
  await until('the survivor holds every lease', async () => [...(await leaseOwners(redis, env.HUIYAN_QUEUE_PREFIX!, IDS)).values()].every((o) => o === survivor), TTL * 10);
  const takeover = Date.now() - killedAt;
  console.log(`site: takeover of ${victim}'s cameras after kill -9: ${takeover} ms (lease TTL ${TTL} ms)`);
  assert.ok(takeover <= TTL + 2000, `takeover took ${takeover} ms`);

  for (const [id, district] of Object.entries(STALLS)) {
    const found = await waitForCases(url, logins.admin, id, 300_000, 5_000);
    assert.equal(found.length, 1, `one case for ${id}: ${JSON.stringify(found)}`);
    assert.equal(found[0]!.district, district);
    await checkCase(url, logins, found[0]!);
  }
});

it('retention and anchors run in the site with no manual command', { timeout: 300_000 }, async () => {
  const caseWorker = procs.find((p) => p.output().includes('"worker":"case"'))!;
  // A sweep after the cases exist keeps their bundles (open cases protect their evidence).
  await until('a retention sweep that kept the open cases\' bundles', () =>
    caseWorker.output().split('\n').some((l) => l.includes('"msg":"retention sweep"') && (JSON.parse(l) as { protectedKept: number }).protectedKept >= 2), 120_000);
  const dir = env.HUIYAN_EVIDENCE_ANCHORS!;
  const heads = await until('an exported anchor over both stall cameras\' chains', async () => {
    for (const f of await readdir(dir).catch(() => [] as string[])) {
      const doc = JSON.parse(await readFile(path.join(dir, f), 'utf8')) as { anchor: { heads: { cameraId: string }[] } };
      const ids = doc.anchor.heads.map((h) => h.cameraId);
      if (ids.includes('site-0') && ids.includes('site-1')) return ids;
    }
    return undefined;
  }, 120_000);
  assert.ok(heads.length >= 2);
});

it('kill -9 of a detector worker mid-violation: a new worker continues it, still one case each, nothing lost', { timeout: 600_000 }, async () => {
  const live = [...detectors.entries()].find(([, p]) => p.child.exitCode === null && p.child.signalCode === null)!;
  await live[1].kill9();
  // A fresh worker on another machine (its own spool); the stalls play again from the start.
  startDetector('wC');
  await until('wC holds every lease', async () => [...(await leaseOwners(redis, env.HUIYAN_QUEUE_PREFIX!, IDS)).values()].every((o) => o === 'wC'), 300_000);
  // Past the dwell of the replayed stall, and then some.
  await new Promise((r) => setTimeout(r, 45_000));
  for (const id of Object.keys(STALLS)) {
    const all = await casesOf(url, logins.admin, id);
    assert.equal(all.length, 1, `still one case for ${id} after kill -9 mid-violation: ${JSON.stringify(all)}`);
  }
});
