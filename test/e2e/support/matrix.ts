// The acceptance matrix's site: `huiyan serve` as a child process on real PostgreSQL, Redis and
// ffmpeg with every camera of one matrix file running at once (as on a real appliance), and the
// checks of a cell. The matrix is two files, each with its own serve, so that neither puts more
// cameras on a 2-core box than an appliance of that size would run: test/e2e/matrix.test.ts
// (the first four types × the three source kinds) and test/e2e/matrix-types.test.ts (the types
// added after them, file sources).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { startRtspServer, type RtspTestServer } from '../../support/rtsp-server.ts';
import { DeviceSimulator } from '../../gb28181/sim/device-sim.ts';
import { BundleManifest, type BundleManifestT } from '../../../src/evidence/manifest.ts';
import { startServe, type Proc } from './proc.ts';
import { siteDir, type SiteDir } from './env.ts';
import { cameraConfig, footage, freePort, type CellCamera } from './footage.ts';
import { casesOf, checkCase, createAccounts, getJson, loginAll, waitForCases, type CaseRow, type Logins } from './api.ts';

export const [XH, JA] = ['徐汇区', '静安区'];
const GB = { server: '34020000002000000001', device: '34020000001320000077', channel: '34020000001310000077', password: 'matrix-gb-2026' };

/** A file camera's source: the scene's footage played once in real time. */
export const file = async (scene: CellCamera['scene']) => ({ kind: 'file', path: await footage(scene), loop: false, realtime: true });

export class MatrixSite {
  private site!: SiteDir;
  private serve!: Proc & { url: string };
  private logins!: Logins;
  private readonly rtsp: RtspTestServer[] = [];
  private sim: DeviceSimulator | undefined;
  private gbFile: string | undefined;
  private sipPort = 0;
  /** Sources that could not be set up: their cells fail with this, the others still run. */
  private readonly setupErrors = new Map<string, Error>();

  get url(): string {
    return this.serve.url;
  }

  get admin(): Logins['admin'] {
    return this.logins.admin;
  }

  /** The site's folder and environment (e.g. to register parties before `start`). */
  async open(tag: string): Promise<SiteDir> {
    this.site = await siteDir(tag);
    return this.site;
  }

  /** An RTSP camera source playing the scene from GStreamer's RTSP server (undefined if it cannot start). */
  async rtspOf(scene: CellCamera['scene'], cameraId: string) {
    try {
      const s = await startRtspServer(await freePort(), scene, { media: await footage(scene) });
      this.rtsp.push(s);
      return { kind: 'rtsp', url: s.url };
    } catch (e) {
      // GStreamer's RTSP server (Debian packages, installed by .ci/run) is missing on this machine.
      this.setupErrors.set(cameraId, e as Error);
      return undefined;
    }
  }

  /** A GB28181 camera source; `start` then registers the device simulator playing the stall scene. */
  async gb28181Source() {
    this.sipPort = await freePort();
    const rtpBase = 31000 + Math.floor(Math.random() * 200) * 10;
    this.gbFile = path.join(this.site.dir, 'gb28181.yaml');
    await writeFile(this.gbFile, stringify({
      sipId: GB.server, listenHost: '127.0.0.1', sipPort: this.sipPort, mediaIp: '127.0.0.1', rtpPortMin: rtpBase, rtpPortMax: rtpBase + 9,
      devices: [{ id: GB.device, password: GB.password }], keepaliveIntervalSeconds: 5,
    }));
    return { kind: 'gb28181', deviceId: GB.device, channelId: GB.channel, transport: 'udp' };
  }

  /** Writes the cameras into the streams folder, starts serve and logs in. */
  async start(cams: CellCamera[]): Promise<void> {
    const runnable = cams.filter((c) => c.source);
    await writeFile(path.join(this.site.streams, 'matrix.yaml'), stringify({ cameras: runnable.map(cameraConfig) }));
    const [started, keys] = await Promise.all([
      startServe({ ...this.site.env, ...(this.gbFile ? { HUIYAN_GB28181_CONFIG: this.gbFile } : {}), HUIYAN_THREADS: '1' }),
      createAccounts(this.site.env),
    ]);
    this.serve = started;
    this.logins = await loginAll(this.serve.url, keys);
    if (!this.gbFile) return;
    this.sim = new DeviceSimulator({
      deviceId: GB.device, serverId: GB.server, domain: GB.server.slice(0, 10), serverHost: '127.0.0.1', serverPort: this.sipPort,
      localPort: await freePort(), sipTransport: 'udp', password: GB.password, keepaliveMs: 2000,
      channels: [{ id: GB.channel, name: '矩阵测试通道' }], media: await footage('stall'),
    });
    await this.sim.open();
    const reg = await this.sim.register();
    assert.equal(reg.statuses.at(-1), 200, `REGISTER: ${reg.statuses}`);
    this.sim.startKeepalives();
  }

  async close(): Promise<void> {
    await this.sim?.close().catch(() => undefined);
    const code = await this.serve?.stop();
    for (const s of this.rtsp) await s.close();
    await this.site?.cleanup();
    assert.equal(code, 0, `serve exited with ${code}:\n${this.serve?.output().slice(-3000)}`);
  }

  /** One cell: exactly one case, verified evidence, district visibility. Returns case + manifest text. */
  async cell(cameraId: string, rule: string): Promise<string> {
    const setup = this.setupErrors.get(cameraId);
    if (setup) throw new Error(`${cameraId}: its source could not be started: ${setup.message}`);
    const found = await waitForCases(this.serve.url, this.logins.admin, cameraId, 300_000, 8_000).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${await this.diagnose(cameraId)}`);
    });
    assert.equal(found.length, 1, `exactly one case for ${cameraId}: ${JSON.stringify(found)}`);
    assert.equal(found[0]!.category, rule);
    const text = await checkCase(this.serve.url, this.logins, found[0]!);
    await this.checkClip(found[0]!.id, manifestOf(text));
    return text;
  }

  /** The case's review clip: sealed from the frames the producer staged around the hit, and playable. */
  private async checkClip(caseId: string, manifest: BundleManifestT): Promise<void> {
    const clip = manifest.clip;
    assert.ok(clip && clip.frames >= 3, `a review clip of the ring frames around the hit: ${JSON.stringify(clip)}`);
    const r = await fetch(`${this.serve.url}/api/cases/${caseId}/evidence/view?name=${encodeURIComponent(clip.file)}`, this.logins.admin);
    assert.equal(r.status, 200);
    const dir = await mkdtemp(path.join(tmpdir(), 'matrix-clip-'));
    try {
      const file = path.join(dir, 'clip.mp4');
      await writeFile(file, Buffer.from(await r.arrayBuffer()));
      const probe = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,nb_read_frames', '-of', 'json', file], { encoding: 'utf8' });
      const stream = (JSON.parse(probe.stdout || '{}') as { streams?: Array<{ codec_name: string; nb_read_frames: string }> }).streams?.[0];
      assert.equal(stream?.codec_name, 'h264', probe.stderr);
      assert.equal(Number(stream?.nb_read_frames), clip.frames, 'every frame the manifest counts is in the video');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** What a failed cell's report needs: the camera's health, its hits pending review, serve's lines about it. */
  async diagnose(cameraId: string): Promise<string> {
    const cams = await getJson<{ items: Array<{ id: string; health: unknown }> }>(`${this.serve.url}/api/cameras`, this.logins.admin).catch((e: Error) => ({ body: { items: [] }, error: e.message }));
    const hits = await getJson<{ items: CaseRow[] }>(`${this.serve.url}/api/hits?limit=500`, this.logins.admin).catch(() => ({ body: { items: [] as CaseRow[] } }));
    const lines = this.serve.output().split('\n').filter((l) => l.includes(cameraId) || /"level":"(warn|error)"/.test(l));
    return [
      `health: ${JSON.stringify(cams.body.items.find((c) => c.id === cameraId)?.health)}`,
      `hits pending review: ${JSON.stringify(hits.body.items.filter((x) => x.cameraId === cameraId))}`,
      `serve (its lines, warnings and errors; last 40):`, ...lines.slice(-40),
    ].join('\n');
  }

  /**
   * A negative cell: the camera's file plays to its end (health `stopped`, having delivered frames),
   * then, after the pipeline has had time to file what it saw, it has no case and no hit pending review.
   */
  async noCase(cameraId: string): Promise<void> {
    const deadline = Date.now() + 300_000;
    let health: { state: string; framesTotal?: number } | undefined;
    for (;;) {
      const r = await getJson<{ items: Array<{ id: string; health: { state: string; framesTotal?: number } }> }>(`${this.serve.url}/api/cameras`, this.logins.admin);
      health = r.body.items.find((c) => c.id === cameraId)?.health;
      if (health?.state === 'stopped') break;
      if (Date.now() > deadline) throw new Error(`${cameraId}: its footage did not end in time: ${JSON.stringify(health)}`);
      await new Promise((r) => setTimeout(r, 2000));
    }
    assert.ok((health.framesTotal ?? 0) > 0, `${cameraId} delivered frames: ${JSON.stringify(health)}`);
    await new Promise((r) => setTimeout(r, 20_000));
    assert.deepEqual(await casesOf(this.serve.url, this.logins.admin, cameraId), []);
    const review = await getJson<{ items: CaseRow[] }>(`${this.serve.url}/api/hits?limit=500`, this.logins.admin);
    assert.deepEqual(review.body.items.filter((x) => x.cameraId === cameraId), [], 'nothing pending review');
  }
}

/** The manifest part of a cell's text (case line, then the manifest JSON). */
export function manifestOf(cellText: string): BundleManifestT {
  return BundleManifest.parse(JSON.parse(cellText.slice(cellText.indexOf('\n') + 1)));
}
