// huiyan verify <bundle|camera|all>: checks sealed evidence in the store (files, signatures,
// per-camera hash chains, anchors). Exit 0 when everything checked is intact, 1 when anything
// is broken (each problem printed with the bundle and what broke), 2 on usage errors.
import type { Command } from '../command.ts';
import { evidenceEnv, openStore } from '../../evidence/config.ts';
import { KeyRing } from '../../evidence/keys.ts';
import { findBundle, verifyAll, verifyBundle, verifyCamera, type Problem, type VerifyReport } from '../../evidence/verify.ts';
import { parseBundleKey, MANIFEST } from '../../evidence/layout.ts';
import type { EvidenceStore } from '../../evidence/store/types.ts';

export const verifyUsage = `usage: huiyan verify <bundleId|cameraId|all> [--json] [--store-dir DIR] [--keys DIR]
  bundleId   one bundle (ev-…), also accepted as bundle:<id>
  cameraId   every bundle of a camera and its hash chain, also accepted as camera:<id>
  all        every camera, chain head and anchor in the store
Store and keys come from HUIYAN_EVIDENCE_* / HUIYAN_S3_* (see docs/evidence.md).`;

export async function runVerify(argv: string[]): Promise<number> {
  const args = [...argv];
  const flag = (name: string): string | undefined => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const v = args[i + 1];
    args.splice(i, 2);
    return v;
  };
  const json = args.includes('--json');
  if (json) args.splice(args.indexOf('--json'), 1);
  const storeDir = flag('--store-dir');
  const keysDir = flag('--keys');
  const target = args[0];
  if (!target || args.length > 1 || target.startsWith('-')) {
    process.stderr.write(verifyUsage + '\n');
    return 2;
  }
  const env = evidenceEnv({ ...process.env, ...(storeDir ? { HUIYAN_EVIDENCE_DIR: storeDir } : {}) });
  const store = openStore(env);
  const keys = await KeyRing.load(keysDir ?? env.HUIYAN_EVIDENCE_KEYS);
  try {
    const report = await check(store, keys, target);
    if (!report) {
      process.stderr.write(`huiyan verify: ${target} is neither a bundle nor a camera in ${store.location}\n`);
      return 2;
    }
    print(report, store, keys, json);
    return report.ok ? 0 : 1;
  } finally {
    await store.close();
  }
}

async function check(store: EvidenceStore, keys: KeyRing, target: string): Promise<VerifyReport | null> {
  if (target === 'all') return verifyAll(store, keys);
  const asCamera = target.startsWith('camera:') ? target.slice(7) : null;
  const asBundle = target.startsWith('bundle:') ? target.slice(7) : null;
  if (!asCamera) {
    const prefix = await findBundle(store, asBundle ?? target);
    if (prefix) {
      const r = await verifyBundle(store, keys, prefix);
      return { ok: r.problems.length === 0, cameras: 0, bundles: 1, tombstones: 0, anchors: 0, problems: r.problems };
    }
    if (asBundle) return null;
  }
  const cam = asCamera ?? target;
  const known = (await store.exists(`chains/${cam}.json`)) || (await store.list(`bundles/${cam}/`)).length > 0;
  return known ? verifyCamera(store, keys, cam) : null;
}

function print(report: VerifyReport, store: EvidenceStore, keys: KeyRing, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return;
  }
  const out: string[] = [`store ${store.kind} ${store.location}; keys ${keys.keyIds().join(', ') || '(none)'}`];
  for (const p of report.problems) out.push(`FAIL ${describe(p)}`);
  out.push(
    `${report.ok ? 'OK' : 'BROKEN'}: ${report.cameras} camera(s), ${report.bundles} bundle(s), ${report.tombstones} tombstone(s), ${report.anchors} anchor(s) checked; ${report.problems.length} problem(s)`,
  );
  process.stdout.write(out.join('\n') + '\n');
}

function describe(p: Problem): string {
  const loc = p.key ? parseBundleKey(p.key.endsWith('/') ? p.key + MANIFEST : p.key) : null;
  const who = p.bundleId ?? loc?.bundleId ?? p.key ?? '-';
  const where = p.cameraId ? ` [${p.cameraId}${loc ? ` #${loc.height}` : ''}]` : '';
  return `${who}${where} ${p.kind}: ${p.detail}`;
}

const command: Command = {
  summary: 'check sealed evidence: files, signatures, hash chains, anchors',
  usage: 'huiyan verify <bundleId|cameraId|all> [--json] [--store-dir DIR] [--keys DIR]',
  run: runVerify,
};
export default command;
