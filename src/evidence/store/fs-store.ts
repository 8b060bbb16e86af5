// The embedded default backend: a folder on local disk (default var/evidence-store).
// Objects are written to a temp file and renamed into place; sealed objects are chmod 0444
// so a stray process cannot rewrite them (root still can, which `huiyan verify` catches).
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { assertKey, ImmutableObjectError, type EvidenceStore, type PutOptions, type StoreCapabilities } from './types.ts';

export class FsEvidenceStore implements EvidenceStore {
  readonly kind = 'fs' as const;
  readonly location: string;

  constructor(private readonly root: string) {
    this.location = path.resolve(root);
  }

  private file(key: string): string {
    assertKey(key);
    return path.join(this.location, ...key.split('/'));
  }

  async init(): Promise<StoreCapabilities> {
    // Evidence is for the service's user and group only: folders 0750, files 0640 (sealed 0440).
    await mkdir(this.location, { recursive: true, mode: 0o750 });
    return { versioning: false, objectLock: false, encryption: false };
  }

  async put(key: string, body: Buffer, opts: PutOptions = {}): Promise<void> {
    const file = this.file(key);
    const existing = await readFile(file).catch(() => null);
    if (existing && existing.equals(body)) return;
    if (existing && opts.immutable) throw new ImmutableObjectError(key);
    if (existing) {
      const mode = (await stat(file)).mode & 0o777;
      if ((mode & 0o200) === 0) throw new ImmutableObjectError(key);
    }
    await mkdir(path.dirname(file), { recursive: true, mode: 0o750 });
    const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, body, { mode: opts.immutable ? 0o440 : 0o640 });
    if (opts.immutable) await chmod(tmp, 0o440);
    await rename(tmp, file);
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.file(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    return stat(this.file(key)).then(
      (s) => s.isFile(),
      () => false,
    );
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string, rel: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const key = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) await walk(path.join(dir, e.name), key);
        else if (e.isFile() && !e.name.endsWith('.tmp') && key.startsWith(prefix)) out.push(key);
      }
    };
    // Walk only the folder part of the prefix; the rest filters names.
    const slash = prefix.lastIndexOf('/');
    const base = slash >= 0 ? prefix.slice(0, slash) : '';
    await walk(base ? this.file(base) : this.location, base);
    return out.sort();
  }

  async delete(key: string): Promise<void> {
    const file = this.file(key);
    await rm(file, { force: true });
    // Drop folders left empty so a deleted bundle leaves no trace but its tombstone.
    let dir = path.dirname(file);
    while (dir.startsWith(this.location) && dir !== this.location) {
      const left = await readdir(dir).catch(() => null);
      if (!left || left.length > 0) break;
      await rmdir(dir).catch(() => {});
      dir = path.dirname(dir);
    }
  }

  async close(): Promise<void> {}
}
