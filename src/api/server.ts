// Starts the API process around ports the caller provides (cases, evidence, camera runtime,
// GB28181): camera config, alert bus + Redis bridge, live view, metrics, HTTP listener.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { buildApp, type ApiDeps } from './app.ts';
import { AlertBus } from './alerts/bus.ts';
import { RedisAlertBridge } from './alerts/redis-bridge.ts';
import { CaseQueueAlertFeed } from './alerts/case-queue-feed.ts';
import { UserStore } from './auth/users.ts';
import { CameraDirectory } from '../config/directory.ts';
import { LiveViewManager } from './cameras/live.ts';
import type { CaseStore } from '../cases/index.ts';
import { StoreCases } from './adapters/case-store.ts';
import { ApiMetrics } from './metrics.ts';
import { readIntake } from '../dispatch/intake.ts';
import { PartyRegistry } from '../cases/parties/index.ts';
import { documentSettingsFromEnv, type DocumentSettings } from '../cases/documents/index.ts';
import { documentIssuer } from '../cases/documents/index.ts';
import { loadWebhooks, type WebhookEndpointT } from '../dispatch/webhook.ts';
import type { CameraRuntime, EvidencePort, Gb28181Directory, VerdictHook } from './ports.ts';

export interface ApiServerOptions {
  /** Opened with openCaseStore({ migrations: [API_MIGRATION_DIR] }) so the API's tables exist. */
  store: CaseStore;
  evidence: EvidencePort;
  /** The process's camera directory (shared with ingest in the appliance); else one on streamsConfigDir. */
  cameras?: CameraDirectory;
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
  /** Live view (RTSP cameras) over a WebSocket on the API's own listener; off when false. */
  liveView?: boolean;
  cookieSecret: string;
  secureCookie?: boolean;
  /** See ApiDeps: proxies whose X-Forwarded-* are believed; extra allowed origins. */
  trustedProxies?: string[];
  allowedOrigins?: string[];
  /** The data-security notice's text (see ApiDeps). */
  securityNotice?: string;
  /** Legal documents (bureau, certificate, font, public URL); default documentSettingsFromEnv(). */
  documents?: DocumentSettings;
  /** The webhook endpoints (HUIYAN_WEBHOOKS); default loadWebhooks() of this process's environment. */
  webhooks?: WebhookEndpointT[];
}

export interface ApiServer {
  app: FastifyInstance;
  url: string;
  bus: AlertBus;
  users: UserStore;
  cameras: CameraDirectory;
  close(): Promise<void>;
}

export { API_MIGRATION_DIR } from './db.ts';

export async function startApiServer(o: ApiServerOptions): Promise<ApiServer> {
  const users = new UserStore(o.store.db);
  // Followed while running: a camera added to streams-config/ appears in the camera list.
  const cameras = o.cameras ?? new CameraDirectory({ dir: o.streamsConfigDir });
  await cameras.start();
  const bus = new AlertBus();
  const bridge = o.redisUrl ? new RedisAlertBridge(bus, o.redisUrl, o.alertChannel) : undefined;
  await bridge?.start();
  const cases = new StoreCases(o.store);
  const feed = o.caseQueue
    ? new CaseQueueAlertFeed(bus, cases, { ...o.caseQueue, cameraName: (id) => cameras.get(id)?.name })
    : undefined;
  // Not awaited: with Redis down the API still comes up and /healthz says so.
  void feed?.start().catch(() => undefined);
  const redisUrl = o.caseQueue?.redisUrl ?? o.redisUrl;
  const redisProbe = redisUrl ? new Redis(redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: (n) => Math.min(n * 500, 5_000) }) : undefined;
  redisProbe?.on('error', () => {});
  void redisProbe?.connect().catch(() => undefined);
  const live = o.liveView === false ? undefined : new LiveViewManager({ allowedOrigins: o.allowedOrigins });
  const metrics = new ApiMetrics(true);
  const checks: ApiDeps['checks'] = {
    database: async () => (await o.store.db.query('SELECT 1 AS ok')).length === 1,
    ...(redisProbe ? { redis: async () => (await Promise.race([redisProbe.ping(), new Promise<string>((r) => setTimeout(() => r('timeout'), 1_000))])) === 'PONG' } : {}),
  };
  const queue = o.caseQueue;
  const intake = queue && redisProbe ? () => readIntake(redisProbe, queue.prefix) : undefined;
  const documents = o.documents ?? documentSettingsFromEnv();
  // The city platform: the webhook endpoints allowed to call the signed status API.
  const inbound = (o.webhooks ?? (await loadWebhooks())).filter((e) => e.inbound);
  const app = await buildApp({
    intake,
    city: inbound.length ? { endpoints: inbound, publicUrl: documents.publicUrl } : undefined,
    users, cases, parties: new PartyRegistry(o.store.db), documents: documentIssuer(documents, o.evidence), evidence: o.evidence, cameras, runtime: o.runtime, gb: o.gb, onVerdict: o.onVerdict, live, bus, metrics,
    cookieSecret: o.cookieSecret, secureCookie: o.secureCookie, trustedProxies: o.trustedProxies, allowedOrigins: o.allowedOrigins, securityNotice: o.securityNotice, checks,
  });
  const host = o.host ?? '127.0.0.1';
  await app.listen({ host, port: o.port });
  return {
    app,
    // The bound port: o.port may be 0 (any free port).
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${(app.server.address() as AddressInfo).port}`,
    bus,
    users,
    cameras,
    async close() {
      await app.close();
      if (!o.cameras) await cameras.stop();
      await live?.stop();
      await bridge?.stop();
      await feed?.stop();
      redisProbe?.disconnect();
    },
  };
}
