// Offline: after training, records the new head file's sha256 in models/manifest.json.
import { readFile, writeFile } from 'node:fs/promises';
import { DEFAULT_MANIFEST, loadManifest, sha256File } from '../../src/inference/manifest.ts';

/** After training: record the new file's hash, keeping the rest of the manifest text as it is. */
export async function recordHeadSha(id: string, file: string, manifestFile = DEFAULT_MANIFEST): Promise<void> {
  const text = await readFile(manifestFile, 'utf8');
  const { heads } = await loadManifest(manifestFile);
  const h = heads.find((x) => x.id === id);
  if (!h) throw new Error(`${manifestFile}: add a "heads" entry for ${id} first`);
  await writeFile(manifestFile, text.replace(h.sha256, await sha256File(file)));
}
