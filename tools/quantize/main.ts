// npm run quantize [-- --models yolox-nano-int8] [--force]
// Builds the manifest's int8 models into models/ (git-ignored) and checks their sha256
// against the manifest. A mismatch (another quantiser version, or different float results
// on another CPU) is reported; `--update-manifest` writes the new sha256 into the manifest.
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DEFAULT_MANIFEST, loadManifest } from '../../src/inference/manifest.ts';
import { buildQuantised, quantisedEntries } from './build.ts';

const { values } = parseArgs({
  options: {
    models: { type: 'string' },
    force: { type: 'boolean', default: false },
    'update-manifest': { type: 'boolean', default: false },
  },
});
const manifest = await loadManifest();
const ids = values.models ? values.models.split(',') : quantisedEntries(manifest).map((m) => m.id);
let mismatch = 0;
for (const id of ids) {
  const t0 = performance.now();
  const r = await buildQuantised(id, { manifest, force: values.force });
  const entry = manifest.models.find((m) => m.id === id)!;
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  const what = r.built ? `built (${r.quantisedNodes} quantised nodes, ${r.calibrationFrames} calibration frames, ${secs} s)` : 'up to date';
  console.log(`${id}: ${r.path} ${what}\n  sha256 ${r.sha256}`);
  if (r.sha256 !== entry.sha256) {
    if (values['update-manifest']) {
      const raw = await readFile(DEFAULT_MANIFEST, 'utf8');
      await writeFile(DEFAULT_MANIFEST, raw.replace(entry.sha256, r.sha256));
      console.log(`  manifest sha256 updated (was ${entry.sha256})`);
    } else {
      mismatch++;
      console.error(`  manifest expects ${entry.sha256}; the loader will refuse this file. Rerun with --update-manifest if the change is intended.`);
    }
  }
}
process.exitCode = mismatch ? 1 : 0;
