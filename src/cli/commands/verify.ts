// huiyan verify <bundle|camera|all>: checks sealed evidence in the store (files, signatures,
// per-camera hash chains, anchors in the store and those exported outside it) and, for `all`,
// the cases stage's audit log (its hash chain, and its head against every signed anchor).
// huiyan verify <file.pdf>: a signed legal document (src/cases/documents/check.ts).
// Exit 0 when everything checked is intact, 1 when anything is broken (each problem printed
// with the bundle and what broke), 2 on usage errors.
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from '../command.ts';
import { checkAnchor, readExportedAnchors, type SignedAnchorT } from '../../evidence/anchor.ts';
import { checkAuditHead, verifyAuditChain } from '../../cases/audit.ts';
import { dbOptionsFromEnv, openDb } from '../../cases/index.ts';
import { checkDocument, documentSettingsFromEnv, loadBureauCertificate } from '../../cases/documents/index.ts';
import { evidenceEnv, openStore } from '../../evidence/config.ts';
import { KeyRing } from '../../evidence/keys.ts';
import { findBundle, verifyAll, verifyBundle, verifyCamera, type Problem, type VerifyReport } from '../../evidence/verify.ts';
import { parseBundleKey, MANIFEST } from '../../evidence/layout.ts';
import type { EvidenceStore } from '../../evidence/store/types.ts';

export const verifyUsage = `usage: huiyan verify <bundleId|cameraId|all|file.pdf> [--json] [--store-dir DIR] [--keys DIR] [--anchors DIR] [--no-audit]
  file.pdf   a legal document (notice of violation, …): its PDF signature, that the signer
             is the bureau's certificate (HUIYAN_DOCUMENT_P12, or the demo one in
             HUIYAN_DOCUMENT_KEYS) and that its number and hash are registered in the database
  bundleId   one bundle (ev-…), also accepted as bundle:<id>
  cameraId   every bundle of a camera and its hash chain, also accepted as camera:<id>
  all        every camera, chain head and anchor in the store, the exported anchors
             (--anchors or HUIYAN_EVIDENCE_ANCHORS) and the audit log (HUIYAN_DATABASE_URL,
             or PGlite in HUIYAN_PGLITE_DIR) against the anchored audit heads
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
  const anchorsDir = flag('--anchors');
  const noAudit = args.includes('--no-audit');
  if (noAudit) args.splice(args.indexOf('--no-audit'), 1);
  const target = args[0];
  if (!target || args.length > 1 || target.startsWith('-')) {
    process.stderr.write(verifyUsage + '\n');
    return 2;
  }
  if (/\.pdf$/i.test(target)) return verifyDocumentFile(target, json);
  const env = evidenceEnv({ ...process.env, ...(storeDir ? { HUIYAN_EVIDENCE_DIR: storeDir } : {}) });
  const store = openStore(env);
  const keys = await KeyRing.load(keysDir ?? env.HUIYAN_EVIDENCE_KEYS);
  try {
    const report = target === 'all'
      ? await checkAll(store, keys, anchorsDir ?? env.HUIYAN_EVIDENCE_ANCHORS, !noAudit)
      : await check(store, keys, target);
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

/** `huiyan verify file.pdf`: one line, OK or FAIL with the first problem; exit 0 / 1 (2: no such file). */
async function verifyDocumentFile(file: string, json: boolean): Promise<number> {
  if (!existsSync(file)) {
    process.stderr.write(`huiyan verify: no file ${file}\n`);
    return 2;
  }
  const pdf = readFileSync(file);
  let bureau: string;
  try {
    bureau = loadBureauCertificate(documentSettingsFromEnv(), false).sha256;
  } catch (err) {
    process.stdout.write(`FAIL document ${file}: ${(err as Error).message}\n`);
    return 1;
  }
  const db = await openDb(dbOptionsFromEnv());
  try {
    const r = await checkDocument(pdf, bureau, db);
    process.stdout.write((json ? JSON.stringify(r) : r.line) + '\n');
    return r.ok ? 0 : 1;
  } finally {
    await db.close();
  }
}

/** The store, the exported anchors and the audit log (when a database is configured). */
async function checkAll(store: EvidenceStore, keys: KeyRing, anchorsDir: string | undefined, audit: boolean): Promise<VerifyReport> {
  const exported = anchorsDir ? (await readExportedAnchors(anchorsDir)).map((a) => ({ key: a.file, doc: a.doc })) : [];
  const report = await verifyAll(store, keys, exported);
  const opts = dbOptionsFromEnv();
  if (!audit || (!opts.url && !existsSync(opts.pgliteDir ?? ''))) {
    report.audit = { checked: false };
    return report;
  }
  const db = await openDb(opts);
  try {
    const chain = await verifyAuditChain(db);
    report.audit = { checked: true, entries: chain.entries, headHash: chain.headHash };
    if (!chain.ok) report.problems.push({ kind: 'audit-broken', detail: `audit log entry #${chain.problem?.seq}: ${chain.problem?.what} (edited, deleted or reordered)` });
    const anchors: { key: string; doc: SignedAnchorT }[] = [];
    for (const key of await store.list('anchors/')) {
      const raw = await store.get(key);
      try {
        anchors.push({ key, doc: JSON.parse(raw?.toString('utf8') ?? '') as SignedAnchorT });
      } catch {
        /* reported by verifyAll */
      }
    }
    for (const a of exported) if (a.doc) anchors.push({ key: a.key, doc: a.doc });
    for (const { key, doc } of anchors) {
      if (!doc.anchor?.audit || checkAnchor(doc, keys)) continue; // unsigned/invalid ones are reported already
      const bad = await checkAuditHead(db, doc.anchor.audit);
      if (bad) report.problems.push({ kind: 'audit-mismatch', key, detail: bad });
    }
  } finally {
    await db.close();
  }
  report.ok = report.problems.length === 0;
  return report;
}

async function check(store: EvidenceStore, keys: KeyRing, target: string): Promise<VerifyReport | null> {
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
  if (report.audit) out.push(report.audit.checked ? `audit log: ${report.audit.entries} entries, head ${report.audit.headHash?.slice(0, 16)}…` : 'audit log: not checked (no database configured, or --no-audit)');
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
  summary: 'check sealed evidence (files, signatures, hash chains, anchors) or a signed legal document',
  usage: 'huiyan verify <bundleId|cameraId|all|file.pdf> [--json] [--store-dir DIR] [--keys DIR]',
  run: runVerify,
};
export default command;
