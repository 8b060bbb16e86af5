// Ingest worker process: holds camera leases on Redis and runs the sources of the cameras it
// owns; several workers share one fleet. Logs one health line per interval.
//
//   tsx workers/ingest-worker.ts <configDir> <workerId> <redisUrl> [--prefix huiyan] [--ttl 10000]
//        [--health-every 5000] [--budget N --dwell 30000]   (budget: patrol over owned cameras)
import { parseArgs } from 'node:util';
import path from 'node:path';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { CameraManager } from '../src/ingest/camera-manager.ts';
import { CameraLeases } from '../src/ingest/leases.ts';
import { PatrolRunner } from '../src/ingest/patrol-runner.ts';
import { createLogger } from '../src/util/log.ts';

const Args = z.object({
  configDir: z.string().min(1),
  workerId: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
  redisUrl: z.string().regex(/^rediss?:\/\//),
  prefix: z.string().min(1).default('huiyan'),
  ttl: z.coerce.number().int().min(500).default(10_000),
  healthEvery: z.coerce.number().int().min(100).default(5_000),
  budget: z.coerce.number().int().positive().optional(),
  dwell: z.coerce.number().int().positive().default(30_000),
});

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    prefix: { type: 'string' },
    ttl: { type: 'string' },
    'health-every': { type: 'string' },
    budget: { type: 'string' },
    dwell: { type: 'string' },
  },
});
const parsed = Args.safeParse({
  configDir: positionals[0],
  workerId: positionals[1],
  redisUrl: positionals[2],
  prefix: values.prefix,
  ttl: values.ttl,
  healthEvery: values['health-every'],
  budget: values.budget,
  dwell: values.dwell,
});
if (!parsed.success) {
  process.stderr.write(`usage: ingest-worker <configDir> <workerId> <redisUrl> [--prefix p] [--ttl ms]\n${parsed.error.message}\n`);
  process.exit(2);
}
const args = parsed.data;
const log = createLogger({ stage: 'ingest', worker: args.workerId });
const redis = new Redis(args.redisUrl, { maxRetriesPerRequest: 2 });
const manager = new CameraManager({ configDir: path.resolve(args.configDir), log });
const leases = new CameraLeases(redis, { prefix: args.prefix, workerId: args.workerId, ttlMs: args.ttl, log });
const patrol = args.budget
  ? new PatrolRunner(manager, { maxConcurrent: args.budget, maxSamplesPerSecond: args.budget * 30, dwellMs: args.dwell })
  : undefined;

await manager.setActive([]); // nothing runs before we own it
await manager.start();
leases.on('change', (owned: string[]) => {
  if (patrol) patrol.setPool(owned);
  else void manager.setActive(owned);
});
leases.start(() => manager.cameras().filter((c) => c.enabled).map((c) => c.id));
patrol?.setPool([]);
patrol?.start();

const health = setInterval(() => {
  const states = Object.fromEntries(manager.health().map((h) => [h.cameraId, h.state]));
  const cameras = Object.fromEntries(
    manager.health().map((h) => [h.cameraId, { frames: h.framesTotal, reconnects: h.reconnects, lastError: h.lastError }]),
  );
  const worstRevisitMs = patrol ? Math.max(0, ...patrol.coverage().map((c) => c.longestRevisitMs)) : undefined;
  log.info('health', { owned: leases.owned(), states, cameras, worstRevisitMs });
}, args.healthEvery);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info('stopping', { signal });
  clearInterval(health);
  patrol?.stop();
  await leases.stop().catch(() => undefined);
  await manager.stop();
  redis.disconnect();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
