// The local spool: every sealed bundle is written here first (the commit point), then
// uploaded to the store by the uploader, oldest first. It also holds the local copy of each
// camera's chain head, the idempotency index and the per-camera locks.
//
//   <spool>/pending/<sealedAt>-<height>-<bundleId>.<camera>/   meta.json + the bundle's files
//   <spool>/failed/<same>/                            bundles the store refused (kept, alerted)
//   <spool>/chains/<camera>.json                       signed chain head, ahead of the store's
//   <spool>/index/<bundleId>.json                      SealedBundle record of every bundle sealed here
//   <spool>/locks/<camera>.lock                        cross-process lock (pid inside)
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { parseChainHead, type SignedChainHeadT } from './chain.ts';
import type { SealedBundle } from './types.ts';

export const PendingMeta = z.object({
  record: z.object({
    bundleId: z.string(),
    cameraId: z.string(),
    height: z.number().int(),
    manifestSha256: z.string(),
    prevBundleHash: z.string().nullable(),
    storageKey: z.string(),
    bytes: z.number(),
    spooled: z.boolean(),
    sealedAt: z.number(),
  }),
  hitId: z.string(),
  seq: z.number().int(),
  retainUntil: z.number().nullable(),
  files: z.array(z.string()),
  /** The signed chain head this bundle makes, uploaded after the bundle. */
  chainHead: z.string(),
});
export type PendingMetaT = z.infer<typeof PendingMeta>;

export interface PendingBundle {
  name: string;
  dir: string;
  meta: PendingMetaT;
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');
/** Seal time first (upload order), camera last so one camera's bundles are found by name. */
const pendingName = (r: { sealedAt: number; height: number; bundleId: string; cameraId: string }) =>
  `${pad(r.sealedAt, 15)}-${pad(r.height, 10)}-${r.bundleId}.${r.cameraId}`;

export class Spool {
  readonly pendingDir: string;
  readonly failedDir: string;
  private readonly chainsDir: string;
  private readonly indexDir: string;
  private readonly locksDir: string;
  private readonly tmpDir: string;
  private readonly inProcessLocks = new Map<string, Promise<void>>();

  constructor(readonly root: string) {
    this.pendingDir = path.join(root, 'pending');
    this.failedDir = path.join(root, 'failed');
    this.chainsDir = path.join(root, 'chains');
    this.indexDir = path.join(root, 'index');
    this.locksDir = path.join(root, 'locks');
    this.tmpDir = path.join(root, 'tmp');
  }

  async init(): Promise<void> {
    for (const d of [this.pendingDir, this.failedDir, this.chainsDir, this.indexDir, this.locksDir, this.tmpDir]) {
      await mkdir(d, { recursive: true, mode: 0o750 });
    }
  }

  /**
   * Writes the bundle into pending/ atomically (temp folder + rename), then moves the local
   * chain head forward and records the bundle in the index. A crash between the steps is
   * repaired by recover().
   */
  async commit(meta: PendingMetaT, files: Map<string, Buffer>): Promise<void> {
    const r = meta.record;
    const name = pendingName(r);
    const tmp = path.join(this.tmpDir, `${name}.${randomBytes(4).toString('hex')}`);
    for (const [file, buf] of files) {
      const p = path.join(tmp, ...file.split('/'));
      await mkdir(path.dirname(p), { recursive: true, mode: 0o750 });
      await writeDurable(p, buf);
    }
    await writeDurable(path.join(tmp, 'meta.json'), Buffer.from(JSON.stringify(meta)));
    await rename(tmp, path.join(this.pendingDir, name));
    await this.writeChainHead(r.cameraId, Buffer.from(meta.chainHead));
    await this.writeIndex(r);
  }

  async listPending(): Promise<string[]> {
    return (await readdir(this.pendingDir).catch(() => [] as string[])).filter((n) => !n.startsWith('.')).sort();
  }

  /**
   * Where a sealed bundle waits on this disk: `pending` (queued for upload to the store),
   * `failed` (refused by the store, kept) or null (not in this spool: uploaded, or sealed on
   * another machine). Only reads folder names; safe from a process that does not own the spool.
   */
  async whereIs(bundleId: string): Promise<'pending' | 'failed' | null> {
    const has = async (dir: string) => (await readdir(dir).catch(() => [] as string[])).some((n) => n.includes(`-${bundleId}.`));
    if (await has(this.pendingDir)) return 'pending';
    if (await has(this.failedDir)) return 'failed';
    return null;
  }

  async readPending(name: string): Promise<PendingBundle> {
    const dir = path.join(this.pendingDir, name);
    const meta = PendingMeta.parse(JSON.parse(await readFile(path.join(dir, 'meta.json'), 'utf8')));
    return { name, dir, meta };
  }

  async readPendingFile(p: PendingBundle, file: string): Promise<Buffer> {
    return readFile(path.join(p.dir, ...file.split('/')));
  }

  async removePending(name: string): Promise<void> {
    await rm(path.join(this.pendingDir, name), { recursive: true, force: true });
  }

  /** Moves a bundle the store refused out of the upload queue; it is kept, never deleted. */
  async quarantine(name: string): Promise<void> {
    await rename(path.join(this.pendingDir, name), path.join(this.failedDir, name));
  }

  async readChainHead(cameraId: string): Promise<SignedChainHeadT | null> {
    const buf = await readFile(path.join(this.chainsDir, `${cameraId}.json`)).catch(() => null);
    return buf ? parseChainHead(buf) : null;
  }

  async writeChainHead(cameraId: string, signed: Buffer): Promise<void> {
    const p = path.join(this.chainsDir, `${cameraId}.json`);
    const tmp = `${p}.${randomBytes(4).toString('hex')}.tmp`;
    await writeDurable(tmp, signed);
    await rename(tmp, p);
  }

  async readIndex(bundleId: string): Promise<SealedBundle | null> {
    const buf = await readFile(path.join(this.indexDir, `${bundleId}.json`), 'utf8').catch(() => null);
    return buf ? (PendingMeta.shape.record.parse(JSON.parse(buf)) as SealedBundle) : null;
  }

  /** The index record whose bundle id ends with `suffix`. */
  async findIndex(suffix: string): Promise<SealedBundle | null> {
    const name = (await readdir(this.indexDir).catch(() => [] as string[])).find((n) => n.endsWith(`${suffix}.json`));
    return name ? this.readIndex(name.slice(0, -'.json'.length)) : null;
  }

  async writeIndex(r: SealedBundle): Promise<void> {
    const p = path.join(this.indexDir, `${r.bundleId}.json`);
    const tmp = `${p}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, JSON.stringify({ ...r, spooled: false }), { mode: 0o640 });
    await rename(tmp, p);
  }

  async isPending(r: SealedBundle): Promise<boolean> {
    const name = pendingName(r);
    return readdir(path.join(this.pendingDir, name)).then(
      () => true,
      () => false,
    );
  }

  /**
   * Repairs what a crash between commit's steps can leave for one camera: a pending bundle
   * ahead of the local chain head, or one missing from the index. Call with the camera's lock
   * held: a worker killed mid-seal must not make the next seal reuse a height or re-seal a hit.
   */
  async repairCamera(cameraId: string): Promise<number> {
    const mine = (await this.listPending()).filter((n) => n.endsWith(`.${cameraId}`));
    if (mine.length === 0) return 0;
    const head = await this.readChainHead(cameraId);
    let repaired = 0;
    let top = head?.head.height ?? -1;
    for (const name of mine) {
      const height = Number(name.slice(16, 26));
      if (height < (head?.head.height ?? 0)) continue; // fully committed long ago
      const p = await this.readPending(name).catch(() => null);
      if (!p) continue;
      if (!(await this.readIndex(p.meta.record.bundleId))) {
        await this.writeIndex(p.meta.record);
        repaired++;
      }
      if (height > top) {
        await this.writeChainHead(cameraId, Buffer.from(p.meta.chainHead));
        top = height;
        repaired++;
      }
    }
    return repaired;
  }

  /** repairCamera for every camera with pending bundles (at start). */
  async recover(): Promise<number> {
    const cameras = new Set((await this.listPending()).map((n) => n.slice(n.indexOf('.') + 1)));
    let repaired = 0;
    for (const cam of cameras) repaired += await this.withCameraLock(cam, () => this.repairCamera(cam));
    return repaired;
  }

  /** Runs `fn` holding the camera's lock, in this process and across processes. */
  async withCameraLock<T>(cameraId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.inProcessLocks.get(cameraId) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const chained = prev.then(() => mine);
    this.inProcessLocks.set(cameraId, chained);
    await prev;
    const lockFile = path.join(this.locksDir, `${cameraId}.lock`);
    try {
      await acquireFileLock(lockFile);
      try {
        return await fn();
      } finally {
        await unlink(lockFile).catch(() => {});
      }
    } finally {
      release();
      if (this.inProcessLocks.get(cameraId) === chained) this.inProcessLocks.delete(cameraId);
    }
  }
}

async function writeDurable(p: string, buf: Buffer): Promise<void> {
  const fh = await open(p, 'w', 0o640);
  try {
    await fh.writeFile(buf);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** O_EXCL lock file holding our pid; a lock whose pid is dead is taken over. */
async function acquireFileLock(lockFile: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    try {
      const fh = await open(lockFile, 'wx', 0o640);
      await fh.writeFile(String(process.pid));
      await fh.close();
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number(await readFile(lockFile, 'utf8').catch(() => ''));
    if (owner && !pidAlive(owner)) {
      await unlink(lockFile).catch(() => {});
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${lockFile} held by pid ${owner}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
