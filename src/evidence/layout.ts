// Where things live in the store (see evidence-store/README.md). Bundle folders carry the
// chain height in their name so a listing comes back in chain order and a reordered or
// renamed bundle shows up as a height that does not match its manifest.

export const MANIFEST = 'manifest.json';
export const SIGNATURE = 'signature.json';

const HEIGHT_DIGITS = 10;

export function bundlePrefix(cameraId: string, height: number, bundleId: string): string {
  return `bundles/${cameraId}/${String(height).padStart(HEIGHT_DIGITS, '0')}-${bundleId}/`;
}

export interface ParsedBundleKey {
  cameraId: string;
  height: number;
  bundleId: string;
  prefix: string;
}

/** bundles/<camera>/<height>-<bundleId>/<file> → its parts; null for other keys. */
export function parseBundleKey(key: string): (ParsedBundleKey & { file: string }) | null {
  const m = /^bundles\/([^/]+)\/(\d{10})-([^/]+)\/(.+)$/.exec(key);
  if (!m) return null;
  const [, cameraId, height, bundleId, file] = m;
  return { cameraId, height: Number(height), bundleId, file, prefix: `bundles/${cameraId}/${height}-${bundleId}/` };
}

export const chainHeadKey = (cameraId: string): string => `chains/${cameraId}.json`;
export const indexKey = (bundleId: string): string => `index/${bundleId}.json`;
export const tombstoneKey = (cameraId: string, height: number, bundleId: string): string =>
  `tombstones/${cameraId}/${String(height).padStart(HEIGHT_DIGITS, '0')}-${bundleId}.json`;
/** Time first so a listing is in creation order; the hash part keeps two anchors in one ms apart. */
export const anchorKey = (createdAt: number, sha256: string): string =>
  `anchors/${new Date(createdAt).toISOString().replace(/[:.]/g, '')}-${sha256.slice(0, 12)}.json`;
