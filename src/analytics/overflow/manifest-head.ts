// The `heads` section of models/manifest.json: trained heads that sit on a manifest model's
// features (schema: HeadEntry in src/inference/manifest.ts).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_MANIFEST, loadManifest, sha256File } from '../../inference/manifest.ts';

/** Path of a head file, sha256-verified against the manifest. */
export async function resolveHead(id: string, manifestFile = DEFAULT_MANIFEST): Promise<string> {
  const { heads } = await loadManifest(manifestFile);
  const h = heads.find((x) => x.id === id);
  if (!h) throw new Error(`${manifestFile}: no head "${id}" under "heads"`);
  const file = path.join(path.dirname(manifestFile), h.file);
  const actual = await sha256File(file);
  if (actual !== h.sha256) throw new Error(`${file} has sha256 ${actual}, the manifest expects ${h.sha256}; re-run npm run train:overflow or restore the file`);
  return file;
}
