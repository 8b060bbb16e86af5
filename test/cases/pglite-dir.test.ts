// The embedded default: PGlite in a data directory keeps cases across restarts and does not
// re-apply migrations.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openCaseStore, runMigrations } from '../../src/cases/index.ts';
import { makeHit } from './hits.ts';

let dir = '';
after(async () => dir && rm(dir, { recursive: true, force: true }));

test('PGlite data directory survives a restart', { timeout: 120_000 }, async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'huiyan-pglite-'));
  const a = await openCaseStore({ pgliteDir: path.join(dir, 'db') });
  const { case: c } = await a.createFromHit({ hit: makeHit(1), location: { district: '徐汇区', street: '漕河泾街道' } });
  await a.close();
  const b = await openCaseStore({ pgliteDir: path.join(dir, 'db') });
  try {
    assert.deepEqual(await runMigrations(b.db), []);
    const again = await b.getCase(c.id);
    assert.equal(again?.hitId, makeHit(1).hitId);
    assert.equal((await b.verifyAuditChain()).ok, true);
  } finally {
    await b.close();
  }
});
