import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { ensureRedis } from '../../src/app/local-redis.ts';
import { createLogger } from '../../src/util/log.ts';

const log = createLogger({ test: 'local-redis' });

test('uses the machine Redis when it answers', async () => {
  const h = await ensureRedis({ url: 'redis://127.0.0.1:6379', dataDir: os.tmpdir(), log });
  assert.equal(h.owned, false);
  assert.equal(h.url, 'redis://127.0.0.1:6379');
});

test('starts a private redis-server when the configured one is unreachable, and stops it', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'huiyan-redis-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  // Port 1 on loopback never runs Redis.
  const h = await ensureRedis({ url: 'redis://127.0.0.1:1', dataDir: dir, log, privateFallback: true });
  try {
    assert.equal(h.owned, true);
    const c = new Redis(h.url);
    await c.set('k', 'v');
    assert.equal(await c.get('k'), 'v');
    c.disconnect();
  } finally {
    await h.stop();
  }
  const c = new Redis(h.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => {});
  await assert.rejects(c.connect());
});
