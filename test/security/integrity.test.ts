// Evidence and audit that prove themselves. Attacks by someone with write access to the store
// and the database: one flipped byte in a sealed frame (must not be served, above all not
// under the sealed hash); a whole camera's bundles deleted with its chain head, index and the
// store's own anchors; an audit row deleted; an audit row rewritten with every later hash
// recomputed. `huiyan verify all` (the real CLI, as a child process) must exit 1 for each.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CAM_A, CAM_B, startHarness, type Harness } from '../api/support/harness.ts';
import { PG_URL } from '../cases/stores.ts';
import { AnchorWriter } from '../../src/evidence/anchor.ts';
import { FsEvidenceStore, KeyRing } from '../../src/evidence/index.ts';
import { auditHash, auditHead, type AuditEntry } from '../../src/cases/audit.ts';
import { createLogger } from '../../src/util/log.ts';
import { PROJECT_ROOT } from '../../src/inference/manifest.ts';
import { HitOutbox } from '../../src/dispatch/outbox.ts';
import { dispatchConfigFromEnv } from '../../src/dispatch/queues.ts';
import { makeHit } from '../cases/hits.ts';

let h: Harness;
let exportDir: string;
let admin: string;
let caseA: string;
let anchors: AnchorWriter;

function verifyAll(storeDir = h.storeDir): { code: number; out: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'src/cli/main.ts'), 'verify', 'all'], {
    env: {
      ...process.env,
      HUIYAN_EVIDENCE_DIR: storeDir,
      HUIYAN_EVIDENCE_KEYS: path.join(h.configDir, 'keys'),
      HUIYAN_EVIDENCE_ANCHORS: exportDir,
      HUIYAN_DATABASE_URL: PG_URL,
      HUIYAN_PG_SCHEMA: h.schema,
    },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status ?? -1, out: r.stdout + r.stderr };
}

before(async () => {
  h = await startHarness(0);
  exportDir = mkdtempSync(path.join(os.tmpdir(), 'huiyan-anchors-'));
  admin = await h.login('admin');
  caseA = (await h.raiseAlert(h, CAM_A)).caseId;
  await h.raiseAlert(h, CAM_A);
  const caseB = (await h.raiseAlert(h, CAM_B)).caseId;
  const ok = await fetch(`${h.url}/api/cases/${caseB}/confirm`, { method: 'POST', headers: { ...h.auth(admin), 'content-type': 'application/json' }, body: '{}' });
  assert.equal(ok.status, 200);
  // The scheduled anchor, as the appliance runs it: chain heads + audit head, exported.
  const keys = await KeyRing.loadOrCreate(path.join(h.configDir, 'keys'));
  anchors = new AnchorWriter(new FsEvidenceStore(h.storeDir), keys, createLogger(), { exportDir, auditHead: () => auditHead(h.sql) });
  const doc = await anchors.runOnce();
  assert.ok(doc.anchor.audit && doc.anchor.audit.entries >= 4);
}, { timeout: 240_000 });
after(async () => {
  await h?.close();
  rmSync(exportDir, { recursive: true, force: true });
}, { timeout: 60_000 });

describe('evidence is served only while it matches its seal', () => {
  it('a flipped byte in a frame: view and download answer 409, never the bytes under the sealed hash', async () => {
    const files = (await (await fetch(`${h.url}/api/cases/${caseA}/evidence`, { headers: { cookie: admin } })).json()).files as { name: string; kind: string }[];
    const frame = files.find((f) => f.kind === 'original:at')!.name;
    const bundleDir = path.join(h.storeDir, 'bundles', 'cam-a');
    const folder = readdirSync(bundleDir).sort()[0]!;
    const file = path.join(bundleDir, folder, frame);
    const original = readFileSync(file);
    const flipped = Buffer.from(original);
    flipped[Math.floor(flipped.length / 2)] ^= 0x01;
    chmodSync(file, 0o644);
    writeFileSync(file, flipped);
    try {
      for (const route of ['view', 'download']) {
        const r = await fetch(`${h.url}/api/cases/${caseA}/evidence/${route}?name=${encodeURIComponent(frame)}`, { headers: { cookie: admin } });
        assert.equal(r.status, 409, route);
        assert.equal(r.headers.get('x-content-sha256'), null);
        assert.equal((await r.json()).error, 'evidence_altered');
      }
      assert.equal(verifyAll().code, 1, 'verify names it too');
    } finally {
      writeFileSync(file, original);
      chmodSync(file, 0o440);
    }
    const back = await fetch(`${h.url}/api/cases/${caseA}/evidence/download?name=${encodeURIComponent(frame)}`, { headers: { cookie: admin } });
    assert.equal(back.status, 200);
  });
});

describe('evidence on disk is not world-readable', () => {
  it('store and spool: folders 0750, files 0640, sealed files 0440', () => {
    const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => {
      const p = path.join(d, e.name);
      return e.isDirectory() ? [p, ...walk(p)] : [p];
    });
    const paths = [...walk(h.storeDir), ...walk(path.join(h.configDir, 'spool'))];
    assert.ok(paths.length > 20);
    for (const p of paths) {
      const mode = statSync(p).mode & 0o777;
      assert.equal(mode & 0o007, 0, `${p} is ${mode.toString(8)}`);
    }
    const frame = paths.find((p) => p.endsWith('.jpg') && p.includes('/bundles/'))!;
    assert.equal(statSync(frame).mode & 0o777, 0o440);
  });

  it('hit spool (staged frames, outbox entries, open hits): folders 0750, files 0640', async () => {
    const dir = path.join(h.configDir, 'hit-spool');
    const outbox = new HitOutbox({ dir, cfg: dispatchConfigFromEnv({}) });
    await outbox.init();
    const hit = makeHit(7, { cameraId: 'cam-a', zoneId: 'sidewalk' });
    const pending = await outbox.begin(hit, [{ role: 'at', capturedAt: hit.at, jpeg: h.frames[1]! }]);
    await pending.complete([{ role: 'after', capturedAt: hit.at + 4000, jpeg: h.frames[2]! }]);
    await outbox.saveOpenHits('cam-a', []);
    await outbox.stop();
    const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => {
      const p = path.join(d, e.name);
      return e.isDirectory() ? [p, ...walk(p)] : [p];
    });
    const paths = walk(dir);
    assert.ok(paths.filter((p) => p.endsWith('.jpg')).length === 2 && paths.some((p) => p.endsWith('.json')), paths.join('\n'));
    for (const p of paths) {
      const mode = statSync(p).mode & 0o777;
      assert.equal(mode, statSync(p).isDirectory() ? 0o750 : 0o640, `${p} is ${mode.toString(8)}`);
    }
  });
});

describe('huiyan verify all', () => {
  it('is clean on the untouched store and log (exit 0)', () => {
    const r = verifyAll();
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /audit log: \d+ entries/);
  });

  it('(a) a camera\'s bundles deleted with its chain head, index and the store\'s anchors → exit 1 (exported anchor)', () => {
    const copy = mkdtempSync(path.join(os.tmpdir(), 'huiyan-wiped-'));
    try {
      cpSync(h.storeDir, copy, { recursive: true });
      const ids = readdirSync(path.join(copy, 'bundles', 'cam-a')).map((d) => d.replace(/^\d+-/, ''));
      const rm = (p: string) => rmSync(path.join(copy, p), { recursive: true, force: true });
      rm('bundles/cam-a');
      rm('chains/cam-a.json');
      for (const id of ids) rm(`index/${id}.json`);
      rm('anchors');
      const r = verifyAll(copy);
      assert.equal(r.code, 1, r.out);
      assert.match(r.out, /anchor-mismatch.*cam-a|cam-a.*anchor-mismatch/);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('(b) the newest audit row deleted → exit 1; restored → exit 0', async () => {
    // The schedule's next anchor covers the rows the views above appended; a row cut after
    // being anchored is what must show (rows newer than the last anchor are the window docs/api.md names).
    await anchors.runOnce();
    await h.sql.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
    const [last] = await h.sql.query<Record<string, unknown>>('SELECT * FROM audit_log ORDER BY seq DESC LIMIT 1');
    await h.sql.query('DELETE FROM audit_log WHERE seq = $1', [last.seq]);
    const r = verifyAll();
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /audit-mismatch.*gone/);
    await h.sql.query(
      'INSERT INTO audit_log (seq, at, actor, action, target_type, target_id, details, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7::jsonb,$8,$9)',
      [last.seq, last.at, last.actor, last.action, last.target_type, last.target_id, JSON.stringify(last.details), last.prev_hash, last.hash],
    );
    assert.equal(verifyAll().code, 0);
  });

  it('(c) an audit row rewritten with the chain recomputed → exit 1', async () => {
    const rows = await h.sql.query<Record<string, unknown>>('SELECT * FROM audit_log ORDER BY seq');
    let prev = String(rows[0]!.prev_hash);
    for (const [i, row] of rows.entries()) {
      const e = {
        seq: Number(row.seq), at: new Date(row.at as string), actor: i === 1 ? 'user:nobody 无名' : String(row.actor), action: String(row.action),
        targetType: row.target_type as AuditEntry['targetType'], targetId: String(row.target_id), details: row.details as Record<string, unknown>,
      };
      const hash = auditHash(prev, e);
      await h.sql.query('UPDATE audit_log SET actor = $2, prev_hash = $3, hash = $4 WHERE seq = $1', [e.seq, e.actor, prev, hash]);
      prev = hash;
    }
    const r = verifyAll();
    assert.equal(r.code, 1, r.out);
    assert.doesNotMatch(r.out, /audit-broken/, 'the recomputed chain is self-consistent');
    assert.match(r.out, /audit-mismatch.*recomputed/);
  });
});
