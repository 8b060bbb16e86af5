// The head of a camera's hash chain: height and hash of its newest bundle. A signed copy
// lives in the store (chains/<camera>.json) so `verify` can tell a deleted newest bundle from
// a short chain; the spool keeps its own copy, which is ahead while bundles wait to upload.
import { z } from 'zod';
import { canonicalBytes } from './canonical-json.ts';
import type { KeyRing } from './keys.ts';

export const ChainHead = z.object({
  cameraId: z.string(),
  height: z.number().int().min(0),
  bundleId: z.string(),
  bundleHash: z.string().regex(/^[0-9a-f]{64}$/),
  sealedAt: z.number(),
});
export type ChainHeadT = z.infer<typeof ChainHead>;

export const SignedChainHead = z.object({
  head: ChainHead,
  signature: z.object({ alg: z.string(), keyId: z.string(), sig: z.string() }),
});
export type SignedChainHeadT = z.infer<typeof SignedChainHead>;

export function signChainHead(head: ChainHeadT, keys: KeyRing): Buffer {
  const s = keys.sign(canonicalBytes(head));
  return canonicalBytes({ head, signature: s });
}

/** Parses a stored chain head; `null` when the bytes are not a chain head at all. */
export function parseChainHead(buf: Buffer): SignedChainHeadT | null {
  try {
    const r = SignedChainHead.safeParse(JSON.parse(buf.toString('utf8')));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

export function verifyChainHead(doc: SignedChainHeadT, keys: KeyRing): 'ok' | 'bad' | 'unknown-key' {
  return keys.verify(canonicalBytes(doc.head), doc.signature);
}
