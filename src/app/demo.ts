// `npm run demo`: the whole system on one machine with the embedded defaults — PGlite,
// filesystem evidence, a local redis-server if none answers — watching three sample cameras
// served over RTSP from ../shared/data: real vtest street footage, and two labelled composites
// (a vendor stall held on the walkway, a small-ad poster on the facade) that raise alerts.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { compositePoster, compositeStall, vtestSidewalk, type EvalCase } from '../analytics/eval/cases.ts';
import { PROJECT_ROOT } from '../inference/manifest.ts';
import { createLogger, type Logger } from '../util/log.ts';
import { startAppliance, type Appliance } from './appliance.ts';
import { cookieSecret } from '../api/cookie-secret.ts';
import { renderCase } from './demo-footage.ts';
import { startRtspServer, testMedia, type RtspTestServer } from './sample-rtsp/server.ts';

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
  stop(): Promise<void>;
}

interface SampleCamera {
  id: string;
  name: string;
  location: { district: string; street: string; address: string };
  scene: EvalCase;
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
      media: () => renderCase(stall, path.join(footage, 'stall.mp4'), 2),
    },
    {
      id: 'demo-poster',
      name: '田林 外墙 (合成: 小广告)',
      location: { district: '徐汇区', street: '田林街道', address: '田林路 140 号 外墙' },
      scene: poster,
      media: () => renderCase(poster, path.join(footage, 'poster.mp4'), 1),
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

/** GStreamer's RTSP server needs Debian's python3-gi packages; without them cameras read files. */
async function serve(cam: SampleCamera, media: string, port: number, log: Logger): Promise<{ source: object; server?: RtspTestServer }> {
  try {
    const server = await startRtspServer(port, cam.id, { media });
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
  const streams = path.join(root, 'streams-config');
  await mkdir(streams, { recursive: true });

  log.info('preparing sample footage (first run only)');
  const servers: RtspTestServer[] = [];
  const cameras: object[] = [];
  const samples = sampleCameras(path.join(root, 'footage'));
  for (const [i, cam] of samples.entries()) {
    const { source, server } = await serve(cam, await cam.media(), (o.rtspBasePort ?? 18554) + i, log);
    if (server) servers.push(server);
    const { id: _id, name: _name, location: _loc, source: _src, ...rest } = cam.scene.camera;
    cameras.push({ ...rest, id: cam.id, name: cam.name, location: cam.location, source, keyPoint: i === 0, sampling: { fps: 2, keyframesOnly: false } });
  }
  const file = path.join(streams, 'demo.yaml');
  const schema = path.relative(streams, path.join(PROJECT_ROOT, 'streams-config/camera.schema.json'));
  await writeFile(file, `# yaml-language-server: $schema=${schema}\n# Written by \`npm run demo\`; edit zones in the web UI or here.\n${stringify({ cameras })}`);

  // Database, evidence and spools stay at their embedded defaults under var/, so the other
  // commands (`huiyan verify all`, `huiyan anchor`) see the demo's evidence without options.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HUIYAN_STREAMS_CONFIG: streams,
    HUIYAN_QUEUE_PREFIX: process.env.HUIYAN_QUEUE_PREFIX ?? 'huiyan-demo',
  };
  // The embedded default is PGlite; a configured PostgreSQL URL would be used as is.
  if (!process.env.HUIYAN_DEMO_USE_ENV_DB) delete env.HUIYAN_DATABASE_URL;
  const app = await startAppliance(env, log, {
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 8080,
    livePorts: { first: 8090, last: 8099 },
    cookieSecret: cookieSecret(undefined, path.join(root, 'cookie-secret')),
    demoPassword: password,
  });
  return {
    app,
    url: app.api!.url,
    password,
    async stop() {
      await app.stop();
      for (const s of servers) await s.close();
    },
  };
}
