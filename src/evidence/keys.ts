// Ed25519 signing keys for evidence, loaded from PEM files with rotation.
//
// Layout of a key folder (default var/evidence-keys):
//   keyring.json            {"active": "<keyId>"}  — the key that signs new bundles
//   <keyId>.pub.pem         SPKI public key, kept forever so old bundles still verify
//   <keyId>.key.pem         PKCS#8 private key, mode 0400; may be deleted once retired
// A verifier needs only the *.pub.pem files.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { sha256Hex } from './hash.ts';

const KeyringFile = z.object({ active: z.string().regex(/^[A-Za-z0-9._-]+$/) });
export const SIGNATURE_ALG = 'Ed25519';

export class KeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyError';
  }
}

export interface Signature {
  alg: typeof SIGNATURE_ALG;
  keyId: string;
  /** base64 */
  sig: string;
}

export class KeyRing {
  private constructor(
    private readonly publicKeys: Map<string, KeyObject>,
    private readonly active: { keyId: string; key: KeyObject } | null,
  ) {}

  /** Loads every public key in `dir` and, when keyring.json names one, its private key. */
  static async load(dir: string, opts: { requirePrivate?: boolean } = {}): Promise<KeyRing> {
    if (!existsSync(dir)) throw new KeyError(`key folder ${dir} does not exist`);
    const publicKeys = new Map<string, KeyObject>();
    for (const name of await readdir(dir)) {
      if (!name.endsWith('.pub.pem')) continue;
      const keyId = name.slice(0, -'.pub.pem'.length);
      const key = createPublicKey(await readFile(path.join(dir, name)));
      if (key.asymmetricKeyType !== 'ed25519') throw new KeyError(`${name} is not an Ed25519 key`);
      publicKeys.set(keyId, key);
    }
    let active: { keyId: string; key: KeyObject } | null = null;
    const ringPath = path.join(dir, 'keyring.json');
    if (existsSync(ringPath)) {
      const ring = KeyringFile.safeParse(JSON.parse(await readFile(ringPath, 'utf8')));
      if (!ring.success) throw new KeyError(`${ringPath}: ${ring.error.issues[0]?.message}`);
      const keyPath = path.join(dir, `${ring.data.active}.key.pem`);
      if (existsSync(keyPath)) {
        const key = createPrivateKey(await readFile(keyPath));
        if (!publicKeys.has(ring.data.active)) publicKeys.set(ring.data.active, createPublicKey(key));
        active = { keyId: ring.data.active, key };
      } else if (opts.requirePrivate) {
        throw new KeyError(`active key ${ring.data.active} has no private key file ${keyPath}`);
      }
    } else if (opts.requirePrivate) {
      throw new KeyError(`${ringPath} is missing: run key rotation once to create a signing key`);
    }
    if (opts.requirePrivate && !active) throw new KeyError(`no signing key in ${dir}`);
    return new KeyRing(publicKeys, active);
  }

  /**
   * Public keys only: for processes that verify but never sign (the API). The private key file
   * is never read; a missing folder gives an empty ring (every signature 'unknown-key').
   */
  static async loadPublic(dir: string): Promise<KeyRing> {
    const publicKeys = new Map<string, KeyObject>();
    for (const name of existsSync(dir) ? await readdir(dir) : []) {
      if (!name.endsWith('.pub.pem')) continue;
      const key = createPublicKey(await readFile(path.join(dir, name)));
      if (key.asymmetricKeyType !== 'ed25519') throw new KeyError(`${name} is not an Ed25519 key`);
      publicKeys.set(name.slice(0, -'.pub.pem'.length), key);
    }
    return new KeyRing(publicKeys, null);
  }

  /** Loads `dir`, creating a first signing key when the folder has none (embedded default). */
  static async loadOrCreate(dir: string): Promise<KeyRing> {
    if (!existsSync(path.join(dir, 'keyring.json'))) await rotateKey(dir);
    return KeyRing.load(dir, { requirePrivate: true });
  }

  get activeKeyId(): string | null {
    return this.active?.keyId ?? null;
  }

  keyIds(): string[] {
    return [...this.publicKeys.keys()].sort();
  }

  sign(data: Buffer): Signature {
    if (!this.active) throw new KeyError('this keyring has no private key: it can verify but not sign');
    return { alg: SIGNATURE_ALG, keyId: this.active.keyId, sig: sign(null, data, this.active.key).toString('base64') };
  }

  /** 'ok', 'bad' (signature does not match) or 'unknown-key'. */
  verify(data: Buffer, signature: { alg?: string; keyId: string; sig: string }): 'ok' | 'bad' | 'unknown-key' {
    const key = this.publicKeys.get(signature.keyId);
    if (!key) return 'unknown-key';
    if (signature.alg !== undefined && signature.alg !== SIGNATURE_ALG) return 'bad';
    try {
      return verify(null, data, key, Buffer.from(signature.sig, 'base64')) ? 'ok' : 'bad';
    } catch {
      return 'bad';
    }
  }
}

/**
 * Creates a new Ed25519 key pair in `dir` and makes it the active signing key. The previous
 * key's files stay, so bundles it signed keep verifying. Returns the new key id.
 */
export async function rotateKey(dir: string, now = new Date()): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  const keyId = `ed25519-${day}-${sha256Hex(spki).slice(0, 12)}`;
  // Every file appears whole (written aside, then renamed): another process starting at the same
  // moment reads the folder and must never see a half-written key.
  await writeWhole(path.join(dir, `${keyId}.key.pem`), privateKey.export({ type: 'pkcs8', format: 'pem' }), 0o400);
  await writeWhole(path.join(dir, `${keyId}.pub.pem`), publicKey.export({ type: 'spki', format: 'pem' }), 0o444);
  await writeWhole(path.join(dir, 'keyring.json'), JSON.stringify({ active: keyId }, null, 2) + '\n', 0o644);
  return keyId;
}

/** Writes `file` under a temporary name (not matching *.pem or keyring.json) and renames it into place. */
async function writeWhole(file: string, data: string | Buffer, mode: number): Promise<void> {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, data, { mode });
  await chmod(tmp, mode);
  await rename(tmp, file);
}
