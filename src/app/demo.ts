// `npm run demo`: the whole system on one machine with the embedded defaults — PGlite,
// filesystem evidence, a local redis-server if none answers — watching three sample cameras
// served over RTSP from ../shared/data: real vtest street footage, and two labelled composites
// (a vendor stall held on the walkway, a small-ad poster on the facade) that raise alerts.
// The stall's zone warns first with a short grace, and a simulated city platform takes the
// export, so one case walks the whole loop (docs/cases.md "The whole loop").
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { compositePoster, compositeStall, vtestSidewalk, type EvalCase } from '../../tools/eval/cases.ts';
import { PROJECT_ROOT } from '../inference/manifest.ts';
import { createLogger, type Logger } from '../util/log.ts';
import { startAppliance, type Appliance } from './appliance.ts';
import { DetectionEnv } from './detection.ts';
import { cookieSecret } from '../api/cookie-secret.ts';
import { renderCase } from '../../tools/eval/footage.ts';
import { footageKey, requireCjkFont } from './demo-fonts.ts';
import { removeTestMedia, startRtspServer, testMedia, type RtspTestServer } from './sample-rtsp/server.ts';
import { ensureRedis } from './local-redis.ts';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startCitySim, type CitySim } from './city-sim.ts';

export interface DemoOptions {
  root?: string;
  host?: string;
  port?: number;
  rtspBasePort?: number;
  password?: string;
  log?: Logger;
}

export interface Demo {
  app: Appliance;
  url: string;
  password: string;
  /** The simulated city platform the approved cases are exported to. */
  city: CitySim;
  /** This run's Redis key prefix (queues, leases, alerts). */
  prefix: string;
  redisUrl: string;
  /** Stops everything, removes this run's Redis keys (unless HUIYAN_QUEUE_PREFIX was given) and temp files. */
  stop(): Promise<void>;
}

/** Deletes every key under `<prefix>:` (SCAN, never KEYS); returns how many. */
export async function deleteKeys(url: string, prefix: string): Promise<number> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await r.connect();
  let n = 0;
  try {
    for await (const keys of r.scanStream({ match: `${prefix}:*`, count: 500 }) as AsyncIterable<string[]>) {
      if (keys.length) n += await r.unlink(...keys);
    }
  } finally {
    r.disconnect();
  }
  return n;
}

const CITY_ENDPOINT = 'city-platform';

interface SampleCamera {
  id: string;
  name: string;
  location: { district: string; street: string; address: string };
  scene: EvalCase;
  /** The zones' warn-first block (限时整改), if they warn first. */
  warnFirst?: object;
  media: () => Promise<string>;
}

function sampleCameras(footage: string): SampleCamera[] {
  const stall = compositeStall({ from: 6, to: 66, dwellSeconds: 20 });
  const poster = compositePoster();
  return [
    {
      id: 'demo-stall',
      name: '漕河泾 宜山路人行道 (合成: 摊位)',
      location: { district: '徐汇区', street: '漕河泾街道', address: '宜山路 700 号 人行道' },
      scene: stall,
      // The stall stays ~40 s after its dwell: past this grace it is filed as a case.
      warnFirst: { graceSeconds: 15, channels: [{ kind: 'webhook', endpoint: CITY_ENDPOINT }] },
      media: () => cachedRender(stall, footage, 'stall', 2),
    },
    {
      id: 'demo-poster',
      name: '田林 外墙 (合成: 小广告)',
      location: { district: '徐汇区', street: '田林街道', address: '田林路 140 号 外墙' },
      scene: poster,
      media: () => cachedRender(poster, footage, 'poster', 1),
    },
    {
      id: 'demo-vtest',
      name: '南京西路 步行道 (实拍)',
      location: { district: '静安区', street: '南京西路街道', address: '南京西路 1000 号' },
      scene: vtestSidewalk(),
      media: async () => testMedia(10),
    },
  ];
}

/** Renders a composite once per key (fonts, drawing code, parameters); older renders are removed. */
async function cachedRender(scene: EvalCase, dir: string, name: string, sampleFps: number): Promise<string> {
  const file = path.join(dir, `${name}-${footageKey(name, sampleFps)}.mp4`);
  await mkdir(dir, { recursive: true });
  for (const f of await readdir(dir)) {
    if (f.startsWith(`${name}`) && f.endsWith('.mp4') && path.join(dir, f) !== file) await rm(path.join(dir, f), { force: true });
  }
  return renderCase(scene, file, sampleFps);
}

/** GStreamer's RTSP server needs Debian's python3-gi packages; without them cameras read files. */
async function serve(cam: SampleCamera, media: string, port: number, log: Logger): Promise<{ source: object; server?: RtspTestServer }> {
  try {
    const server = await startRtspServer(port, cam.id, { media, loop: true });
    return { source: { kind: 'rtsp', url: server.url }, server };
  } catch (e) {
    log.warn('no RTSP server for sample camera; reading the file directly. For RTSP: apt-get install -y gir1.2-gst-rtsp-server-1.0 python3-gi gstreamer1.0-plugins-good gstreamer1.0-plugins-bad', {
      camera: cam.id,
      error: (e as Error).message.split('\n')[0],
    });
    return { source: { kind: 'file', path: media, loop: true, realtime: true } };
  }
}

export async function startDemo(o: DemoOptions = {}): Promise<Demo> {
  const log = o.log ?? createLogger({ stage: 'demo' });
  const root = o.root ?? path.join(PROJECT_ROOT, 'var/demo');
  const password = o.password ?? 'huiyan-demo';
  requireCjkFont();
  const streams = path.join(root, 'streams-config');
  await mkdir(streams, { recursive: true });

  log.info('preparing sample footage (first run only)');
  const servers: RtspTestServer[] = [];
  const cameras: object[] = [];
  const samples = sampleCameras(path.join(root, 'footage'));
  for (const [i, cam] of samples.entries()) {
    const { source, server } = await serve(cam, await cam.media(), (o.rtspBasePort ?? 18554) + i, log);
    if (server) servers.push(server);
    const { id: _id, name: _name, location: _loc, source: _src, zones, ...rest } = cam.scene.camera;
    cameras.push({ ...rest, zones: zones.map((z) => ({ ...z, warnFirst: cam.warnFirst })), id: cam.id, name: cam.name, location: cam.location, source, keyPoint: i === 0, sampling: { fps: 2, keyframesOnly: false } });
  }
  const file = path.join(streams, 'demo.yaml');
  const schema = path.relative(streams, path.join(PROJECT_ROOT, 'streams-config/camera.schema.json'));
  await writeFile(file, `# yaml-language-server: $schema=${schema}\n# Written by \`npm run demo\`; edit zones in the web UI or here.\n${stringify({ cameras })}`);

  // The demo owns its Redis handle (a local redis-server when none answers) so that on exit it
  // can remove this run's keys after the workers have stopped and before that server stops.
  const redis = await ensureRedis({ url: process.env.HUIYAN_REDIS_URL, dataDir: path.join(root, 'var'), log });
  // A per-run key prefix: two demos on one Redis never share queues, and exit removes them all.
  const prefix = process.env.HUIYAN_QUEUE_PREFIX ?? `huiyan-demo-${randomBytes(4).toString('hex')}`;
  // Database, evidence and spools stay at their embedded defaults under var/, so the other
  // commands (`huiyan verify all`, `huiyan anchor`) see the demo's evidence without options.
  // A demo given its own root (tests) keeps all its state there instead, so it never shares a
  // spool, store or database with a demo running from the checkout.
  const own = o.root
    ? Object.fromEntries(Object.entries({
        HUIYAN_VAR: '', HUIYAN_HIT_SPOOL: 'hit-spool', HUIYAN_EVIDENCE_DIR: 'evidence-store', HUIYAN_EVIDENCE_SPOOL: 'evidence-spool',
        HUIYAN_EVIDENCE_KEYS: 'evidence-keys', HUIYAN_DOCUMENT_KEYS: 'document-keys', HUIYAN_PGLITE_DIR: 'pglite',
      }).map(([k, v]) => [k, path.join(root, 'var', v)]))
    : {};
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...own,
    HUIYAN_STREAMS_CONFIG: streams,
    HUIYAN_REDIS_URL: redis.url,
    HUIYAN_QUEUE_PREFIX: prefix,
    // The demo may start its own redis-server; `huiyan serve` never does.
    HUIYAN_PRIVATE_REDIS: '1',
  };
  // The city platform: approved cases are exported to it, and it reports their steps back.
  let apiUrl = '';
  const city = await startCitySim({ huiyanUrl: () => apiUrl, endpoint: CITY_ENDPOINT, secret: randomBytes(24).toString('hex'), log });
  const webhooks = path.join(root, 'city-webhooks.yaml');
  await writeFile(webhooks, stringify({ endpoints: [city.webhook] }), { mode: 0o600 });
  env.HUIYAN_WEBHOOKS = webhooks;
  // The embedded default is PGlite; a configured PostgreSQL URL would be used as is.
  if (!process.env.HUIYAN_DEMO_USE_ENV_DB) delete env.HUIYAN_DATABASE_URL;
  // Each demo run shows its violations anew: hits left open by the previous run (its cameras
  // loop the same footage) would otherwise continue as that run's cases, and raise no alert.
  await rm(path.join(DetectionEnv.parse(env).HUIYAN_HIT_SPOOL, 'open-hits'), { recursive: true, force: true });
  const app = await startAppliance(env, log, {
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 8080,
    cookieSecret: cookieSecret(undefined, path.join(root, 'cookie-secret')),
    demoPassword: password,
  });
  apiUrl = app.api!.url;
  log.info('simulated city platform listening', { url: city.url });
  return {
    app,
    city,
    url: app.api!.url,
    password,
    prefix,
    redisUrl: redis.url,
    async stop() {
      await app.stop();
      await city.close();
      for (const s of servers) await s.close();
      if (!process.env.HUIYAN_QUEUE_PREFIX) {
        const removed = await deleteKeys(redis.url, prefix).catch((e) => (log.warn('could not remove demo keys', { prefix, error: String(e) }), 0));
        log.info('removed demo keys', { prefix, keys: removed });
      }
      await redis.stop();
      removeTestMedia();
    },
  };
}
