// The `heads` section of models/manifest.json: trained heads that sit on a manifest model's
// features. The main manifest schema ignores the section, so older loaders are unaffected.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_MANIFEST, sha256File } from '../../inference/manifest.ts';

const HeadEntry = z.object({ id: z.string(), file: z.string(), backbone: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) });
const Heads = z.object({ heads: z.array(HeadEntry).default([]) });

/** Path of a head file, sha256-verified against the manifest. */
export async function resolveHead(id: string, manifestFile = DEFAULT_MANIFEST): Promise<string> {
  const { heads } = Heads.parse(JSON.parse(await readFile(manifestFile, 'utf8')));
  const h = heads.find((x) => x.id === id);
  if (!h) throw new Error(`${manifestFile}: no head "${id}" under "heads"`);
  const file = path.join(path.dirname(manifestFile), h.file);
  const actual = await sha256File(file);
  if (actual !== h.sha256) throw new Error(`${file} has sha256 ${actual}, the manifest expects ${h.sha256}; re-run npm run train:overflow or restore the file`);
  return file;
}

/** After training: record the new file's hash, keeping the rest of the manifest text as it is. */
export async function recordHeadSha(id: string, file: string, manifestFile = DEFAULT_MANIFEST): Promise<void> {
  const text = await readFile(manifestFile, 'utf8');
  const { heads } = Heads.parse(JSON.parse(text));
  const h = heads.find((x) => x.id === id);
  if (!h) throw new Error(`${manifestFile}: add a "heads" entry for ${id} first`);
  await writeFile(manifestFile, text.replace(h.sha256, await sha256File(file)));
}
