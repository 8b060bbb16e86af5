// Tampering with sealed evidence in the filesystem store: each kind of damage is reported by
// verify (library and `huiyan verify` CLI), naming the bundle and what broke.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEvidenceService, FsEvidenceStore, KeyRing, type SealedBundle } from '../../src/evidence/index.ts';
import { createAnchor } from '../../src/evidence/anchor.ts';
import { PROJECT_ROOT } from '../../src/inference/manifest.ts';
import { verifyAll, type ProblemKind, type VerifyReport } from '../../src/evidence/verify.ts';
import { extractFrames, framesFor, MODELS, testCamera, testHit } from './helpers.ts';

let dir: string;
let pristine: string;
let keysDir: string;
let keys: KeyRing;
const A = 'cam-tamper-a';
const B = 'cam-tamper-b';
const bundles: Record<string, SealedBundle[]> = { [A]: [], [B]: [] };
let olderHeadA: Buffer;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'huiyan-ev-tamper-'));
  pristine = path.join(dir, 'pristine');
  keysDir = path.join(dir, 'keys');
  keys = await KeyRing.loadOrCreate(keysDir);
  const store = new FsEvidenceStore(pristine);
  const svc = createEvidenceService({ store, keys, spoolDir: path.join(dir, 'spool') });
  await svc.init();
  const jpegs = extractFrames(3, 30);
  for (const [cam, n] of [[A, 5], [B, 3]] as const) {
    const camera = testCamera(cam);
    for (let i = 0; i < n; i++) {
      const hit = testHit(cam, i);
      bundles[cam].push(await svc.seal({ hit, camera, frames: framesFor(jpegs, hit.at), models: MODELS }));
      if (cam === A && i === 3) olderHeadA = readFileSync(path.join(pristine, 'chains', `${A}.json`));
    }
  }
  await createAnchor(store, keys);
  await svc.stop();
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh copy of the sealed store for one tampering case. */
function copy(name: string): string {
  const d = path.join(dir, name);
  cpSync(pristine, d, { recursive: true });
  return d;
}
function writable(p: string): string {
  chmodSync(p, 0o644);
  return p;
}
const bundleDir = (root: string, b: SealedBundle) => path.join(root, b.storageKey);
const kinds = (r: VerifyReport) => r.problems.map((p) => p.kind).sort();
const about = (r: VerifyReport, kind: ProblemKind) => r.problems.filter((p) => p.kind === kind).map((p) => p.bundleId);

function cli(args: string[], storeDir: string) {
  const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin/huiyan.mjs'), 'verify', ...args, '--store-dir', storeDir, '--keys', keysDir], {
    encoding: 'utf8',
    env: { ...process.env, HUIYAN_EVIDENCE_STORE: 'fs' },
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

test('an untouched store verifies clean, by library and CLI', async () => {
  const r = await verifyAll(new FsEvidenceStore(pristine), keys);
  assert.deepEqual(r.problems, []);
  assert.equal(r.bundles, 8);
  assert.equal(r.cameras, 2);
  assert.equal(r.anchors, 1);
  const all = cli(['all'], pristine);
  assert.equal(all.code, 0, all.out);
  assert.match(all.out, /OK: 2 camera\(s\), 8 bundle\(s\)/);
  assert.equal(cli([bundles[A][2].bundleId], pristine).code, 0);
  assert.equal(cli([B], pristine).code, 0);
});

test('a flipped byte in a frame is reported as file-altered for that bundle', async () => {
  const root = copy('flip');
  const victim = bundles[A][2];
  const file = writable(path.join(bundleDir(root, victim), 'frames/01-at-original.jpg'));
  const buf = readFileSync(file);
  buf[Math.floor(buf.length / 2)] ^= 0x01;
  writeFileSync(file, buf);
  const r = await verifyAll(new FsEvidenceStore(root), keys);
  assert.deepEqual(kinds(r), ['file-altered']);
  assert.deepEqual(about(r, 'file-altered'), [victim.bundleId]);
  assert.match(r.problems[0].detail, /frames\/01-at-original\.jpg/);
  const out = cli(['all'], root);
  assert.equal(out.code, 1);
  assert.match(out.out, new RegExp(`FAIL ${victim.bundleId} \\[${A} #2\\] file-altered: frames/01-at-original.jpg`));
  assert.equal(cli([victim.bundleId], root).code, 1);
  assert.equal(cli([B], root).code, 0, 'the other camera is unaffected');
});

test('an edited manifest breaks its signature and the next bundle\'s link', async () => {
  const root = copy('manifest');
  const victim = bundles[A][1];
  const file = writable(path.join(bundleDir(root, victim), 'manifest.json'));
  writeFileSync(file, readFileSync(file, 'utf8').replace('"score":0.82', '"score":0.92'));
  const r = await verifyAll(new FsEvidenceStore(root), keys);
  assert.deepEqual(about(r, 'signature-invalid'), [victim.bundleId]);
  assert.deepEqual(about(r, 'chain-broken'), [bundles[A][2].bundleId]);
  const out = cli(['all'], root);
  assert.equal(out.code, 1);
  assert.match(out.out, new RegExp(`${victim.bundleId} .*signature-invalid`));
});

test('a deleted bundle in the middle of a chain is reported as missing', async () => {
  const root = copy('delete-mid');
  rmSync(bundleDir(root, bundles[A][3]), { recursive: true, force: true });
  const r = await verifyAll(new FsEvidenceStore(root), keys);
  assert.deepEqual(kinds(r), ['bundle-deleted']);
  assert.match(r.problems[0].detail, new RegExp(`#3, referenced by ${bundles[A][4].bundleId}`));
  const out = cli([A], root);
  assert.equal(out.code, 1);
  assert.match(out.out, /bundle-deleted: bundle #3/);
});

test('deleting the newest bundle is caught by the chain head, and by the anchor even when the head is rolled back', async () => {
  const root = copy('delete-tail');
  const newest = bundles[A][4];
  rmSync(bundleDir(root, newest), { recursive: true, force: true });
  const r = await verifyAll(new FsEvidenceStore(root), keys);
  assert.ok(kinds(r).includes('bundle-deleted'));
  assert.match(r.problems.find((p) => p.kind === 'bundle-deleted')!.detail, new RegExp(`#4 \\(${newest.bundleId}, the chain head\\)`));

  // An insider also replaces the chain head with an older, validly signed one.
  writeFileSync(writable(path.join(root, 'chains', `${A}.json`)), olderHeadA);
  const r2 = await verifyAll(new FsEvidenceStore(root), keys);
  assert.deepEqual(kinds(r2), ['anchor-mismatch']);
  assert.deepEqual(about(r2, 'anchor-mismatch'), [newest.bundleId]);
  assert.equal(cli(['all'], root).code, 1);
});

test('swapping two bundles\' places is reported as reordered', async () => {
  const root = copy('reorder');
  const [x, y] = [bundles[A][1], bundles[A][2]];
  const tmp = path.join(root, 'swap');
  renameSync(bundleDir(root, x), tmp);
  renameSync(bundleDir(root, y), bundleDir(root, x));
  renameSync(tmp, bundleDir(root, y));
  const r = await verifyAll(new FsEvidenceStore(root), keys);
  assert.deepEqual(kinds(r), ['reordered', 'reordered']);
  assert.deepEqual(about(r, 'reordered').sort(), [x.bundleId, y.bundleId].sort());
  const out = cli(['all'], root);
  assert.equal(out.code, 1);
  assert.match(out.out, /reordered: stored as .* #1 .* but the manifest says .* #2/);
});

test('an edited anchor is rejected', async () => {
  const root = copy('anchor');
  const adir = path.join(root, 'anchors');
  const file = writable(path.join(adir, readdirSync(adir)[0]));
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  doc.anchor.heads[0].height = 99;
  writeFileSync(file, JSON.stringify(doc));
  const r = await verifyAll(new FsEvidenceStore(root), keys);
  assert.deepEqual(kinds(r), ['anchor-invalid']);
});

test('a bundle signed by a key not in the keyring is reported', async () => {
  const stranger = await KeyRing.loadOrCreate(path.join(dir, 'stranger-keys'));
  const r = await verifyAll(new FsEvidenceStore(pristine), stranger);
  assert.ok(r.problems.some((p) => p.kind === 'unknown-key' && p.bundleId === bundles[A][0].bundleId));
});
