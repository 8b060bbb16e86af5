// Starts the API on a real PostgreSQL schema (dropped afterwards), with users of every role,
// two districts of cameras in a temp streams-config, and an alert source tests can swap.
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import sharp from 'sharp';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/api/app.ts';
import { AlertBus, type AlertT } from '../../../src/api/alerts/bus.ts';
import { UserStore } from '../../../src/api/auth/users.ts';
import type { Role, Scope } from '../../../src/api/auth/access.ts';
import { ConfigCameraDirectory } from '../../../src/api/cameras/directory.ts';
import { API_MIGRATIONS, applySqlFolder, type Sql } from '../../../src/api/db.ts';
import { ApiMetrics } from '../../../src/api/metrics.ts';
import type { RuleTypeT } from '../../../src/config/schema.ts';
import { PROJECT_ROOT } from '../../../src/inference/manifest.ts';
import { InterimCases } from './interim-cases.ts';
import { InterimEvidence } from './interim-evidence.ts';

export const VTEST = path.resolve(PROJECT_ROOT, '../shared/data/vtest.avi');
export const PASSWORD = 'Huiyan-test-2026';

export const DISTRICT_A = '示范区';
export const STREET_A = '示范街道';
export const DISTRICT_B = '滨江区';
export const STREET_B = '西兴街道';

export const USERS: { username: string; displayName: string; role: Role; scope?: Partial<Scope> }[] = [
  { username: 'admin', displayName: '系统管理员', role: 'admin' },
  { username: 'commander', displayName: '指挥长 王', role: 'commander' },
  { username: 'officer_a', displayName: '队员 李 (示范区)', role: 'officer', scope: { districts: [DISTRICT_A] } },
  { username: 'officer_b', displayName: '队员 张 (滨江区)', role: 'officer', scope: { districts: [DISTRICT_B] } },
  { username: 'officer_a_ads', displayName: '队员 赵 (示范区 广告)', role: 'officer', scope: { districts: [DISTRICT_A], categories: ['ads'] } },
  { username: 'auditor', displayName: '法制审核 陈', role: 'auditor' },
];

export const STREAMS_YAML = `# Test cameras: one per district.
cameras:
  # 示范区 camera on the sample footage
  - id: cam-a
    name: 示范街道 北口
    location: { district: ${DISTRICT_A}, street: ${STREET_A}, address: 人行道 }
    source: { kind: file, path: ../shared/data/vtest.avi, loop: true }
    rules: [vending]
    zones:
      - id: sidewalk
        name: 人行道禁止设摊区
        type: no-vending
        polygon: [[0.0, 0.55], [1.0, 0.55], [1.0, 1.0], [0.0, 1.0]]
        dwellSeconds: 60 # one minute for the demo
  - id: cam-b
    name: 西兴街道 东口
    location: { district: ${DISTRICT_B}, street: ${STREET_B} }
    source: { kind: file, path: ../shared/data/vtest.avi, loop: true }
    rules: [vending, overflow]
`;

export interface CameraSeed {
  cameraId: string;
  district: string;
  street: string;
  category: RuleTypeT;
}

export const CAM_A: CameraSeed = { cameraId: 'cam-a', district: DISTRICT_A, street: STREET_A, category: 'vending' };
export const CAM_B: CameraSeed = { cameraId: 'cam-b', district: DISTRICT_B, street: STREET_B, category: 'vending' };

/** Where alerts come from. The default goes through the case store and the alert bus. */
export type AlertSource = (h: Harness, at: CameraSeed) => Promise<{ caseId: string }>;

export interface Harness {
  app: FastifyInstance;
  url: string;
  sql: Sql;
  cases: InterimCases;
  evidence: InterimEvidence;
  bus: AlertBus;
  configDir: string;
  /** A real frame of vtest as JPEG. */
  frame: Buffer;
  raiseAlert: AlertSource;
  login(username: string): Promise<string>;
  close(): Promise<void>;
}

let frameCache: Buffer | undefined;
export function vtestFrame(): Buffer {
  frameCache ??= execFileSync('ffmpeg', ['-v', 'error', '-ss', '3', '-i', VTEST, '-frames:v', '1', '-f', 'image2pipe', '-vcodec', 'mjpeg', '-']);
  return frameCache;
}

/** Seeds a case with a real annotated frame and announces it, like the case worker does. */
export const interimAlertSource: AlertSource = async (h, at) => {
  const bundleId = `b-${randomUUID()}`;
  const box = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="768" height="576"><rect x="300" y="250" width="120" height="260" fill="none" stroke="#f00" stroke-width="4"/></svg>`);
  const annotated = await sharp(h.frame).composite([{ input: box }]).jpeg().toBuffer();
  h.evidence.put(bundleId, [
    { name: 'frame-0-original.jpg', kind: 'original', contentType: 'image/jpeg', data: h.frame },
    { name: 'frame-0-annotated.jpg', kind: 'annotated', contentType: 'image/jpeg', data: annotated },
    { name: 'manifest.json', kind: 'manifest', contentType: 'application/json', data: Buffer.from(JSON.stringify({ bundleId, cameraId: at.cameraId })) },
  ]);
  const c = h.cases.create({ hitId: `hit-${randomUUID()}`, cameraId: at.cameraId, zoneId: 'sidewalk', district: at.district, street: at.street, category: at.category, score: 0.81, bundleId });
  const alert: AlertT = { caseId: c.id, hitId: c.hitId, cameraId: c.cameraId, district: c.district, street: c.street, category: c.category, state: c.state, score: c.score, at: Date.now() };
  h.bus.publish(alert);
  return { caseId: c.id };
};

export async function startHarness(port: number, opts: { loginMax?: number; alertSource?: AlertSource } = {}): Promise<Harness> {
  const schema = `api_t_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const pool = new pg.Pool({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test', max: 4, options: `-c search_path=${schema}` });
  const sql: Sql = {
    query: async (text, params) => (await pool.query(text, params as unknown[])).rows,
    exec: async (text) => void (await pool.query(text)),
  };
  await applySqlFolder(sql, API_MIGRATIONS);
  const users = new UserStore(sql);
  for (const u of USERS) await users.createUser({ ...u, password: PASSWORD });

  const configDir = mkdtempSync(path.join(os.tmpdir(), 'huiyan-api-cfg-'));
  writeFileSync(path.join(configDir, 'cameras.yaml'), STREAMS_YAML);
  const cameras = new ConfigCameraDirectory(configDir);
  await cameras.reload();

  const cases = new InterimCases();
  const evidence = new InterimEvidence();
  const bus = new AlertBus();
  const metrics = new ApiMetrics();
  const app = await buildApp({
    users,
    cases,
    evidence,
    cameras,
    bus,
    metrics,
    cookieSecret: randomBytes(32).toString('hex'),
    loginLimit: { max: opts.loginMax ?? 50, timeWindowMs: 60_000 },
    checks: { postgres: async () => (await sql.query('SELECT 1')).length === 1 },
  });
  await app.listen({ host: '127.0.0.1', port });
  const url = `http://127.0.0.1:${port}`;

  const h: Harness = {
    app,
    url,
    sql,
    cases,
    evidence,
    bus,
    configDir,
    frame: vtestFrame(),
    raiseAlert: opts.alertSource ?? interimAlertSource,
    async login(username) {
      const r = await fetch(`${url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) });
      if (r.status !== 200) throw new Error(`login ${username}: ${r.status}`);
      return r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    },
    async close() {
      await app.close();
      await pool.end();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
      rmSync(configDir, { recursive: true, force: true });
    },
  };
  return h;
}
