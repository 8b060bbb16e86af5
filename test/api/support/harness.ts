// Starts the API on a real PostgreSQL schema (dropped afterwards), with users of every role,
// two districts of cameras in a temp streams-config, and an alert source tests can swap.
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, type ApiDeps } from '../../../src/api/app.ts';
import { AlertBus } from '../../../src/api/alerts/bus.ts';
import { UserStore } from '../../../src/api/auth/users.ts';
import type { Role, Scope } from '../../../src/api/auth/access.ts';
import { CameraDirectory } from '../../../src/config/directory.ts';
import type { LiveViewManager } from '../../../src/api/cameras/live.ts';
import { API_MIGRATION_DIR } from '../../../src/api/db.ts';
import type { Db } from '../../../src/cases/db.ts';
import { ApiMetrics } from '../../../src/api/metrics.ts';
import type { RuleTypeT } from '../../../src/config/schema.ts';
import type { CameraRuntime, Gb28181Directory, VerdictHook } from '../../../src/api/ports.ts';
import { PROJECT_ROOT } from '../../../src/inference/manifest.ts';
import { caseView, StoreCases } from '../../../src/api/adapters/case-store.ts';
import type { HitEventT } from '../../../src/contracts/hit.ts';
import { SAMPLE_ATTRIBUTES } from '../../cases/hits.ts';
import { openCaseStore, type CaseStore } from '../../../src/cases/index.ts';
import { PartyRegistry } from '../../../src/cases/parties/index.ts';
import { documentSettingsFromEnv, type DocumentSettings } from '../../../src/cases/documents/index.ts';
import { documentIssuer } from '../../../src/cases/documents/index.ts';
import { PG_URL, createSchema, freshSchemaName } from '../../cases/stores.ts';
import { loginAcknowledged } from '../../support/notice.ts';
import { StoreEvidence } from '../../../src/evidence/reader.ts';
import { createEvidenceService, FsEvidenceStore, KeyRing, type EvidenceService } from '../../../src/evidence/index.ts';
import { Camera } from '../../../src/config/schema.ts';
import { parseStreamsYaml } from '../../../src/config/load.ts';
import { splitJpegs } from '../../evidence/helpers.ts';

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
  /** Seal an MP4 clip into the bundle as well. */
  clip?: boolean;
  /** Merged over the rule's sample attributes (e.g. a located phone number). */
  attributes?: Record<string, unknown>;
}

export const CAM_A: CameraSeed = { cameraId: 'cam-a', district: DISTRICT_A, street: STREET_A, category: 'vending' };
export const CAM_B: CameraSeed = { cameraId: 'cam-b', district: DISTRICT_B, street: STREET_B, category: 'vending' };

/** Where alerts come from. The default goes through the case store and the alert bus. */
export type AlertSource = (h: Harness, at: CameraSeed) => Promise<{ caseId: string }>;

export interface Harness {
  app: FastifyInstance;
  url: string;
  sql: Db;
  users: UserStore;
  /** PostgreSQL schema of this harness (on PG_URL). */
  schema: string;
  /** The cases stage's store (real PostgreSQL schema). */
  store: CaseStore;
  cases: StoreCases;
  evidence: StoreEvidence;
  sealer: EvidenceService;
  /** Root folder of the filesystem evidence store. */
  storeDir: string;
  bus: AlertBus;
  /** What the verdict hook received (the feedback to detection). */
  verdicts: Parameters<VerdictHook>[0][];
  configDir: string;
  /** Legal documents: the demo certificate in <configDir>/document-keys. */
  documentSettings: DocumentSettings;
  /** Real frames of vtest as JPEG (before, at, after). */
  frames: Buffer[];
  raiseAlert: AlertSource;
  /** Logs in; returns the Cookie header (session + CSRF secret cookies). */
  login(username: string): Promise<string>;
  /** Cookie and CSRF token headers for a state change as the session `cookie`. */
  auth(cookie: string): Record<string, string>;
  close(): Promise<void>;
}

let frameCache: Buffer[] | undefined;
/** Three real frames of vtest, 1 s apart, as JPEG. */
export function vtestFrames(): Buffer[] {
  frameCache ??= splitJpegs(
    execFileSync('ffmpeg', ['-v', 'error', '-ss', '3', '-i', VTEST, '-vf', 'fps=1', '-frames:v', '3', '-q:v', '3', '-f', 'image2pipe', '-vcodec', 'mjpeg', '-'], { maxBuffer: 64 * 2 ** 20 }),
  );
  return frameCache;
}

const CAMERAS = parseStreamsYaml(STREAMS_YAML, 'test').cameras;

/** Seals a real evidence bundle (vtest frames, two person boxes) through the evidence service. */
export async function sealHit(h: Harness, at: CameraSeed) {
  const camera = Camera.parse(CAMERAS.find((c) => c.id === at.cameraId));
  const now = Date.now();
  const hit = {
    hitId: `hit-${randomUUID()}`, event: 'opened' as const, seq: 0, cameraId: at.cameraId, zoneId: 'sidewalk', rule: at.category,
    startedAt: now - 60_000, at: now, lastSeenAt: now, score: 0.81, place: { box: [300, 250, 520, 510], frameSize: [768, 576] },
    detections: [
      { box: [300, 250, 380, 500] as [number, number, number, number], score: 0.81, classId: 0, className: 'person', label: 'person', modelId: 'yolox-nano' },
      { box: [450, 280, 520, 510] as [number, number, number, number], score: 0.66, classId: 0, className: 'person', label: 'person', modelId: 'yolox-nano' },
    ],
    models: ['tracker'], thresholds: { dwellSeconds: 60, minScore: 0.35 }, attributes: { ...SAMPLE_ATTRIBUTES[at.category], ...at.attributes },
  } as HitEventT;
  const sealed = await h.sealer.seal({
    hit,
    camera,
    frames: h.frames.map((jpeg, i) => ({ role: (['before', 'at', 'after'] as const)[i], capturedAt: now + (i - 1) * 1000, jpeg })),
    models: [{ id: 'yolox-nano', kind: 'model', sha256: '695e750a5d5754bb5a8d5325643b59282191a7e7a564e435a415fd3c578eab14' }],
    clip: at.clip,
  });
  return { hit, evidence: { bundleId: sealed.bundleId, storageKey: sealed.storageKey, manifestSha256: sealed.manifestSha256 } };
}

/** Seals a bundle, creates the case in the case store directly and announces it. */
export const storeAlertSource: AlertSource = async (h, at) => {
  const { hit, evidence } = await sealHit(h, at);
  const { case: rec } = await h.store.createFromHit({ hit, location: { district: at.district, street: at.street }, evidence });
  const c = caseView(rec);
  h.bus.publish({ caseId: c.id, hitId: c.hitId, cameraId: c.cameraId, district: c.district, street: c.street, category: c.category, state: c.state, score: c.score, at: Date.now() });
  return { caseId: c.id };
};

export interface HarnessOptions {
  loginMax?: number;
  /** Extra app options (throttle policy, trusted proxies, …). */
  app?: Partial<Pick<ApiDeps, 'loginThrottle' | 'trustedProxies' | 'allowedOrigins' | 'intake' | 'city' | 'now' | 'securityNotice'>>;
  alertSource?: AlertSource;
  gb?: Gb28181Directory;
  live?: LiveViewManager;
  runtime?: CameraRuntime;
  /** Replaces the default two-camera config. */
  streamsYaml?: string;
}

export async function startHarness(port: number, opts: HarnessOptions = {}): Promise<Harness> {
  const schema = freshSchemaName('api');
  const dropSchema = await createSchema(schema);
  const store = await openCaseStore({ url: PG_URL, schema, migrations: [API_MIGRATION_DIR] });
  const sql = store.db;
  const users = new UserStore(sql);
  for (const u of USERS) await users.createUser({ ...u, password: PASSWORD });

  const configDir = mkdtempSync(path.join(os.tmpdir(), 'huiyan-api-cfg-'));
  writeFileSync(path.join(configDir, 'cameras.yaml'), opts.streamsYaml ?? STREAMS_YAML);
  const cameras = new CameraDirectory({ dir: configDir });
  await cameras.reload();

  const cases = new StoreCases(store);
  const verdicts: Parameters<VerdictHook>[0][] = [];
  const storeDir = path.join(configDir, 'evidence');
  const evStore = new FsEvidenceStore(storeDir);
  const keys = await KeyRing.loadOrCreate(path.join(configDir, 'keys'));
  const sealer = createEvidenceService({ store: evStore, keys, spoolDir: path.join(configDir, 'spool') });
  await sealer.init();
  // Like the API process: public keys only (the sealer above holds the private key), the spool read only.
  const evidence = await StoreEvidence.fromKeyDir(evStore, path.join(configDir, 'keys'), path.join(configDir, 'spool'));
  const bus = new AlertBus();
  const metrics = new ApiMetrics();
  const documentSettings = documentSettingsFromEnv({ HUIYAN_DOCUMENT_KEYS: path.join(configDir, 'document-keys') });
  const app = await buildApp({
    users,
    cases,
    parties: new PartyRegistry(store.db),
    documents: documentIssuer(documentSettings, evidence),
    evidence,
    cameras,
    gb: opts.gb,
    live: opts.live,
    runtime: opts.runtime,
    onVerdict: async (v) => void verdicts.push(v),
    bus,
    metrics,
    cookieSecret: randomBytes(32).toString('hex'),
    loginLimit: { max: opts.loginMax ?? 50, timeWindowMs: 60_000 },
    checks: { postgres: async () => (await sql.query('SELECT 1')).length === 1 },
    ...opts.app,
  });
  await app.listen({ host: '127.0.0.1', port });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  const csrfTokens = new Map<string, string>();
  const h: Harness = {
    app,
    url,
    sql,
    users,
    schema,
    store,
    cases,
    evidence,
    sealer,
    storeDir,
    bus,
    verdicts,
    configDir,
    documentSettings,
    frames: vtestFrames(),
    raiseAlert: opts.alertSource ?? storeAlertSource,
    async login(username) {
      const { cookie, csrfToken } = await loginAcknowledged(url, username, PASSWORD);
      csrfTokens.set(cookie, csrfToken);
      return cookie;
    },
    auth(cookie): Record<string, string> {
      const token = csrfTokens.get(cookie);
      return token ? { cookie, 'x-csrf-token': token } : { cookie };
    },
    async close() {
      await app.close();
      await sealer.stop();
      await store.close();
      await dropSchema();
      rmSync(configDir, { recursive: true, force: true });
    },
  };
  return h;
}
