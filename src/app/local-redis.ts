// Redis for an appliance. A configured Redis that does not answer is waited for (error logged on
// every try, backing off to 30 s): starting a private server instead would silently split the
// site (jobs invisible to other workers, a server orphaned after kill -9). Only the demo
// (`privateFallback`) starts a private redis-server for this process, so a fresh machine needs
// no setup.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Logger } from '../util/log.ts';
import { freePort } from '../util/net.ts';

export interface RedisHandle {
  url: string;
  /** True when this process started the server and will stop it. */
  owned: boolean;
  stop(): Promise<void>;
}

async function answersPing(url: string, timeoutMs = 1500): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}


export interface EnsureRedisOptions {
  url?: string;
  dataDir: string;
  log: Logger;
  /** Demo only: start a private redis-server when the configured one does not answer. */
  privateFallback?: boolean;
  /** Stops the waiting (e.g. on SIGTERM); ensureRedis then rejects. */
  signal?: AbortSignal;
}

export async function ensureRedis(opts: EnsureRedisOptions): Promise<RedisHandle> {
  const url = opts.url ?? process.env.HUIYAN_REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (!opts.privateFallback) {
    for (let wait = 500; !(await answersPing(url)); wait = Math.min(wait * 2, 30_000)) {
      opts.log.error('Redis does not answer; waiting for it (no private fallback outside the demo)', { url, retryInMs: wait });
      if (opts.signal?.aborted) throw new Error(`Redis at ${url} does not answer`);
      await new Promise((r) => setTimeout(r, wait));
    }
    opts.log.info('using Redis', { url });
    return { url, owned: false, stop: async () => {} };
  }
  if (await answersPing(url)) {
    opts.log.info('using Redis', { url });
    return { url, owned: false, stop: async () => {} };
  }
  const port = await freePort();
  const dir = path.resolve(opts.dataDir, 'redis');
  await mkdir(dir, { recursive: true });
  let child: ChildProcess;
  try {
    // appendonly keeps queued jobs across a demo restart; the bind keeps it private to this host.
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', ''], {
      stdio: 'ignore',
    });
  } catch (e) {
    throw new Error(`Redis at ${url} is not reachable and redis-server could not be started (${(e as Error).message}). Install it: apt-get install -y redis-server`);
  }
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (e) =>
      reject(new Error(`Redis at ${url} is not reachable and redis-server could not be started (${e.message}). Install it: apt-get install -y redis-server`)),
    ),
  );
  const localUrl = `redis://127.0.0.1:${port}`;
  const ready = (async () => {
    for (let i = 0; i < 50; i++) {
      if (await answersPing(localUrl, 500)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`started redis-server on port ${port} but it never answered PING`);
  })();
  await Promise.race([ready, spawnError]);
  opts.log.warn('Redis not reachable; started a local redis-server', { configured: url, url: localUrl });
  return {
    url: localUrl,
    owned: true,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
