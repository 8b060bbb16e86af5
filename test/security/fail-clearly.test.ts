// Redis down must be loud, not papered over: `huiyan serve` never starts a private
// redis-server (that splits the site: jobs invisible to other workers, an orphan after kill -9);
// it waits for the configured one, logging each try, and the API's /healthz is 503 while Redis
// does not answer and 200 once it does (the probe retries on its own).
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ensureRedis } from '../../src/app/local-redis.ts';
import { API_MIGRATION_DIR, startApiServer } from '../../src/api/server.ts';
import { StoreEvidence } from '../../src/evidence/reader.ts';
import { FsEvidenceStore, KeyRing } from '../../src/evidence/index.ts';
import { openCaseStore } from '../../src/cases/index.ts';
import { createLogger } from '../../src/util/log.ts';
import { PG_URL, createSchema, freshSchemaName } from '../cases/stores.ts';
import { startRedis, type PrivateRedis } from '../support/redis-server.ts';
import { freePort } from '../../src/util/net.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'huiyan-failclear-'));
mkdirSync(path.join(dir, 'streams'));
const cleanups: (() => Promise<unknown> | unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
}, { timeout: 60_000 });

const redisServers = () => execFileSync('pgrep', ['-x', 'redis-server', '-P', String(process.pid)]).toString();
const noChildRedis = () => {
  try {
    return redisServers().trim() === '';
  } catch {
    return true; // pgrep exits 1 when nothing matches
  }
};

it('a configured Redis that does not answer is waited for, never replaced by a private one', { timeout: 120_000 }, async () => {
  const port = await freePort();
  const ac = new AbortController();
  let settled = false;
  const p = ensureRedis({ url: `redis://127.0.0.1:${port}`, dataDir: dir, log: createLogger({ test: 'fail-clearly' }), signal: ac.signal }).finally(() => (settled = true));
  await new Promise((r) => setTimeout(r, 2_000));
  assert.equal(settled, false, 'still waiting');
  assert.ok(noChildRedis(), 'no private redis-server started');
  const redis: PrivateRedis = await startRedis(port);
  cleanups.push(() => redis.dispose());
  const h = await p;
  assert.equal(h.owned, false);
  assert.equal(h.url, `redis://127.0.0.1:${port}`);
});

it('/healthz is 503 while the configured Redis is down and 200 once it answers', { timeout: 180_000 }, async () => {
  const port = await freePort();
  const schema = freshSchemaName('failclear');
  cleanups.push(await createSchema(schema));
  const store = await openCaseStore({ url: PG_URL, schema, migrations: [API_MIGRATION_DIR] });
  cleanups.push(() => store.close());
  const evStore = new FsEvidenceStore(path.join(dir, 'evidence'));
  await evStore.init();
  const api = await startApiServer({
    store,
    evidence: new StoreEvidence(evStore, await KeyRing.loadOrCreate(path.join(dir, 'keys'))),
    streamsConfigDir: path.join(dir, 'streams'),
    caseQueue: { redisUrl: `redis://127.0.0.1:${port}`, prefix: `failclear-${port}` },
    port: 0,
    cookieSecret: 'x'.repeat(32),
    liveView: false,
  });
  cleanups.push(() => api.close());
  const url = `http://127.0.0.1:${(api.app.server.address() as net.AddressInfo).port}`;
  const down = await fetch(`${url}/healthz`);
  assert.equal(down.status, 503);
  assert.deepEqual((await down.json()).checks, { database: true, redis: false });
  const redis = await startRedis(port);
  cleanups.push(() => redis.dispose());
  const deadline = Date.now() + 30_000;
  let status = 0;
  while (Date.now() < deadline && (status = (await fetch(`${url}/healthz`)).status) !== 200) await new Promise((r) => setTimeout(r, 250));
  assert.equal(status, 200);
});
