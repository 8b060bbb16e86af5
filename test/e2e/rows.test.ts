// The matrix's extra rows, through `huiyan serve` as a child process: officers' verdicts feed
// back (a "not a violation" rejection suppresses the same footage replayed at the same place;
// "duplicate" does not), a config reload mid-violation keeps one case, a camera added while
// running gets its case, an ads camera on a box whose cores are all busy does not crash the
// appliance, and kill -9 of the appliance mid-violation loses nothing and duplicates nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { startServe, type Proc } from './support/proc.ts';
import { siteDir, type SiteDir } from './support/env.ts';
import { cameraConfig, footage, type CellCamera } from './support/footage.ts';
import { casesOf, createAccounts, loginAll, checkCase, reject, waitForCases, type Logins } from './support/api.ts';

const [XH, JA] = ['徐汇区', '静安区'];
let site: SiteDir;
let serve: Proc & { url: string };
let logins: Logins;
const file = async (scene: CellCamera['scene'], copyAs?: string) => {
  let p = await footage(scene);
  if (copyAs) {
    await copyFile(p, path.join(site.dir, copyAs));
    p = path.join(site.dir, copyAs);
  }
  return { kind: 'file', path: p, loop: false, realtime: true };
};
const writeCams = (name: string, cams: CellCamera[]) => writeFile(path.join(site.streams, name), stringify({ cameras: cams.map(cameraConfig) }));
const env = () => ({ ...site.env, HUIYAN_THREADS: '1' });

before(async () => {
  site = await siteDir('rows');
  await writeCams('rows.yaml', [
    // A short cooldown: the replay ~75 s later is judged by the verdict, not by the place's quiet time.
    { id: 'reject-nv', district: XH, scene: 'stall-short', source: await file('stall-short'), cooldown: 10 },
    { id: 'reject-dup', district: JA, scene: 'stall-short', source: await file('stall-short'), cooldown: 10 },
  ]);
  await writeCams('reload.yaml', [{ id: 'reload', district: JA, scene: 'stall', source: await file('stall') }]);
  const [started, keys] = await Promise.all([startServe(env()), createAccounts(site.env)]);
  serve = started;
  logins = await loginAll(serve.url, keys);
}, { timeout: 900_000 });

after(async () => {
  await serve?.stop();
  await site?.cleanup();
}, { timeout: 120_000 });

/** Plays the camera's footage again from the start, at the same place (a new copy of the file). */
async function replay(ids: string[], cams: CellCamera[]): Promise<void> {
  const next = await Promise.all(cams.map(async (c) => (ids.includes(c.id) ? { ...c, source: await file(c.scene, `${c.id}-replay.mp4`) } : c)));
  await writeCams('rows.yaml', next);
}

describe('rows through huiyan serve', { concurrency: 1 }, () => {
  it('reject "not a violation" suppresses the replay; reject "duplicate" does not', { timeout: 600_000 }, async () => {
    const [nv] = await waitForCases(serve.url, logins.admin, 'reject-nv', 300_000, 0);
    const [dup] = await waitForCases(serve.url, logins.admin, 'reject-dup', 300_000, 0);
    await checkCase(serve.url, logins, nv!);
    await reject(serve.url, logins.officerKeys[XH]!, nv!.id, 'not_violation');
    await reject(serve.url, logins.officerKeys[JA]!, dup!.id, 'duplicate');
    // The stall leaves at 35 s of the 80 s clip and the hit clears; then the same clip again.
    const cams: CellCamera[] = [
      { id: 'reject-nv', district: XH, scene: 'stall-short', source: {}, cooldown: 10 },
      { id: 'reject-dup', district: JA, scene: 'stall-short', source: {}, cooldown: 10 },
    ];
    await new Promise((r) => setTimeout(r, 75_000));
    await replay(['reject-nv', 'reject-dup'], cams);
    const dupAgain = await waitForCases(serve.url, logins.admin, 'reject-dup', 240_000, 0).then(async () => {
      for (let i = 0; i < 120; i++) {
        const all = await casesOf(serve.url, logins.admin, 'reject-dup');
        if (all.length >= 2) return all;
        await new Promise((r) => setTimeout(r, 1000));
      }
      return casesOf(serve.url, logins.admin, 'reject-dup');
    });
    assert.equal(dupAgain.length, 2, `"duplicate" does not suppress: a new case for the replay (${JSON.stringify(dupAgain)})`);
    // By now the replay of reject-nv has run as long as reject-dup's did.
    const nvAll = await casesOf(serve.url, logins.admin, 'reject-nv');
    assert.equal(nvAll.length, 1, `"not a violation" suppresses the same footage at the same place (${JSON.stringify(nvAll)})`);
  });

  it('config reload mid-violation: still one case', { timeout: 400_000 }, async () => {
    const [c] = await waitForCases(serve.url, logins.admin, 'reload', 300_000, 0);
    assert.ok(c);
    // A change that restarts nothing but the camera's display name, then one that touches its zone.
    const reloadCam = cameraConfig({ id: 'reload', district: JA, scene: 'stall', source: await file('stall') });
    const file2 = path.join(site.streams, 'reload.yaml');
    await writeFile(file2, stringify({ cameras: [{ ...reloadCam, name: 'reload (renamed)' }] }));
    await new Promise((r) => setTimeout(r, 15_000));
    await writeFile(file2, stringify({ cameras: [{ ...reloadCam, name: 'reload (renamed twice)', keyPoint: true }] }));
    await new Promise((r) => setTimeout(r, 25_000));
    const all = await casesOf(serve.url, logins.admin, 'reload');
    assert.equal(all.length, 1, `one case across reloads: ${JSON.stringify(all)}`);
  });

  it('a camera added to the config folder while running: its first hit becomes a case', { timeout: 400_000 }, async () => {
    await writeCams('added.yaml', [{ id: 'added', district: XH, scene: 'stall', source: await file('stall') }]);
    const found = await waitForCases(serve.url, logins.admin, 'added', 300_000, 5_000);
    assert.equal(found.length, 1);
    await checkCase(serve.url, logins, found[0]!);
  });

  it('an ads camera on a box with every core busy: no crash', { timeout: 400_000 }, async () => {
    const hogs: ChildProcess[] = os.cpus().map(() => spawn('sh', ['-c', 'exec yes > /dev/null'], { stdio: 'ignore' }));
    try {
      await writeCams('loaded.yaml', [{ id: 'ads-loaded', district: XH, scene: 'poster', source: await file('poster') }]);
      // The crash came within a second of going live; watch a minute of a starved box.
      await new Promise((r) => setTimeout(r, 60_000));
      assert.equal(serve.child.exitCode, null, `serve died on a loaded box:\n${serve.output().slice(-3000)}`);
      assert.doesNotMatch(serve.output(), /Unhandled|DroppedSampleError.*uncaught/i);
    } finally {
      for (const h of hogs) h.kill('SIGKILL');
    }
    const r = await fetch(`${serve.url}/healthz`);
    assert.equal(r.status, 200);
  });

  it('kill -9 of the appliance just after a hit was spooled: after restart, one case, nothing lost', { timeout: 600_000 }, async () => {
    await writeCams('kill.yaml', [{ id: 'kill', district: JA, scene: 'stall', source: await file('stall') }]);
    const spool = site.env.HUIYAN_HIT_SPOOL!;
    const outbox = path.join(spool, 'outbox');
    const deadline = Date.now() + 300_000;
    // The moment the hit for this camera is on disk, before it reaches a case. On a fast box the
    // outbox entry is sent within milliseconds, so its staged frames (kept until sealed) and the
    // camera's saved open hit count as well.
    for (;;) {
      const entries = (await readdir(outbox).catch(() => [] as string[])).filter((e) => !e.includes('.tmp'));
      const texts = await Promise.all(entries.map((e) => readFile(path.join(outbox, e), 'utf8').catch(() => '')));
      if (texts.some((t) => t.includes('"cameraId":"kill"'))) break;
      if ((await readdir(path.join(spool, 'frames')).catch(() => [] as string[])).some((d) => d.startsWith('kill_'))) break;
      if ((await readFile(path.join(spool, 'open-hits', 'kill.json'), 'utf8').catch(() => '')).includes('"hitId"')) break;
      if (Date.now() > deadline) throw new Error('no hit reached the outbox');
      await new Promise((r) => setTimeout(r, 50));
    }
    const before = await spoolState(spool);
    await serve.kill9();
    serve = await startServe(env());
    const found = await waitForCases(serve.url, logins.admin, 'kill', 300_000, 30_000).catch(async (e: Error) => {
      throw new Error(`${e.message}\nspool at the kill: ${before}\nspool now: ${await spoolState(spool)}\nserve after restart:\n${serve.output().slice(-6000)}`);
    });
    assert.equal(found.length, 1, `one case after kill -9 and restart (the footage replays from the start): ${JSON.stringify(found)}`);
    await checkCase(serve.url, logins, found[0]!).catch((e: Error) => {
      throw new Error(`${e.message}\nspool at the kill: ${before}\nserve after restart:\n${serve.output().slice(-8000)}`);
    });
  });
});

/** What the hit spool holds (names only, and the open hits' ids and seqs), for a failure message. */
async function spoolState(spool: string): Promise<string> {
  const list = async (d: string) => (await readdir(path.join(spool, d)).catch(() => [] as string[])).join(' ');
  const open = await readFile(path.join(spool, 'open-hits', 'kill.json'), 'utf8').catch(() => '[]');
  const hits = (JSON.parse(open) as Array<{ hitId: string; seq: number }>).map((h) => `${h.hitId}@${h.seq}`);
  return `outbox [${await list('outbox')}] frames [${await list('frames')}] open [${hits.join(' ')}]`;
}
