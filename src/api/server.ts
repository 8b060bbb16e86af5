// Starts the API process around ports the caller provides (cases, evidence, camera runtime,
// GB28181): camera config, alert bus + Redis bridge, live view, metrics, HTTP listener.
import type { FastifyInstance } from 'fastify';
import { buildApp, type ApiDeps } from './app.ts';
import { AlertBus } from './alerts/bus.ts';
import { RedisAlertBridge } from './alerts/redis-bridge.ts';
import { CaseQueueAlertFeed } from './alerts/case-queue-feed.ts';
import { UserStore } from './auth/users.ts';
import { ConfigCameraDirectory } from './cameras/directory.ts';
import { LiveViewManager } from './cameras/live.ts';
import type { CaseStore } from '../cases/index.ts';
import { StoreCases } from './adapters/case-store.ts';
import { ApiMetrics } from './metrics.ts';
import type { CameraRuntime, EvidencePort, Gb28181Directory, VerdictHook } from './ports.ts';

export interface ApiServerOptions {
  /** Opened with openCaseStore({ migrations: [API_MIGRATION_DIR] }) so the API's tables exist. */
  store: CaseStore;
  evidence: EvidencePort;
  streamsConfigDir: string;
  runtime?: CameraRuntime;
  gb?: Gb28181Directory;
  onVerdict?: VerdictHook;
  /** Alerts published by case workers in other processes arrive on this Redis channel. */
  redisUrl?: string;
  alertChannel?: string;
  /** Announce the cases the case workers create, from the BullMQ `case` queue's events. */
  caseQueue?: { redisUrl: string; prefix: string };
  host?: string;
  port: number;
  /** WebSocket ports for live view (one per camera being watched). */
  livePorts?: { first: number; last: number };
  cookieSecret: string;
  secureCookie?: boolean;
}

export interface ApiServer {
  app: FastifyInstance;
  url: string;
  bus: AlertBus;
  users: UserStore;
  cameras: ConfigCameraDirectory;
  close(): Promise<void>;
}

export { API_MIGRATION_DIR } from './db.ts';

export async function startApiServer(o: ApiServerOptions): Promise<ApiServer> {
  const users = new UserStore(o.store.db);
  const cameras = new ConfigCameraDirectory(o.streamsConfigDir);
  await cameras.reload();
  const bus = new AlertBus();
  const bridge = o.redisUrl ? new RedisAlertBridge(bus, o.redisUrl, o.alertChannel) : undefined;
  await bridge?.start();
  const cases = new StoreCases(o.store);
  const feed = o.caseQueue
    ? new CaseQueueAlertFeed(bus, cases, { ...o.caseQueue, cameraName: (id) => cameras.get(id)?.name })
    : undefined;
  await feed?.start();
  const live = o.livePorts ? new LiveViewManager(o.livePorts) : undefined;
  live?.start();
  const metrics = new ApiMetrics(true);
  const checks: ApiDeps['checks'] = {
    database: async () => (await o.store.db.query('SELECT 1 AS ok')).length === 1,
    ...(bridge ? { redis: async () => bridge.health().connected } : {}),
  };
  const app = await buildApp({
    users, cases, evidence: o.evidence, cameras, runtime: o.runtime, gb: o.gb, onVerdict: o.onVerdict, live, bus, metrics,
    cookieSecret: o.cookieSecret, secureCookie: o.secureCookie, checks,
  });
  const host = o.host ?? '127.0.0.1';
  await app.listen({ host, port: o.port });
  return {
    app,
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${o.port}`,
    bus,
    users,
    cameras,
    async close() {
      await app.close();
      await live?.stop();
      await bridge?.stop();
      await feed?.stop();
    },
  };
}
