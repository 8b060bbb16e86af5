// Offline: runs the overflow feature function (src/analytics/overflow/features.ts) over the
// photo set once, plain and mirrored, whole crop and tiles, of every backbone, and caches it in
// var/cache/ (gitignored) as one Float32 file + a JSON index, keyed by file, size and mtime.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { OverflowFeatures, type FeatureParts, type ViewFeatures } from '../../src/analytics/overflow/features.ts';
import { readImageBgr } from '../../src/inference/image.ts';
import { PROJECT_ROOT } from '../../src/inference/manifest.ts';
import type { Sample } from './dataset.ts';

const CACHE_DIR = path.join(PROJECT_ROOT, 'var/cache');

interface Index {
  widths: number[];
  keys: string[];
}

/**
 * Per photo (same order as `samples`): per backbone, the plain and mirrored features of the
 * whole photo and of each tile.
 * Every photo is read with readImageBgr and featurised as a whole-image region, exactly as the
 * runtime featurises a bin-point zone's crop.
 */
export async function extractParts(features: OverflowFeatures, samples: Sample[]): Promise<FeatureParts[]> {
  const tag = features.spec.backbones
    .map((b) => `${b.modelId}-${b.tensors.join('_')}${b.tiles ? `-tiles${b.tiles.grid}x${b.tiles.size}` : ''}`)
    .join('+')
    .replace(/:/g, '-');
  const base = path.join(CACHE_DIR, `overflow-parts-${tag}`);
  const widths = features.widths;
  /** Views per backbone: the whole photo, then its tiles. */
  const views = features.spec.backbones.map((b) => 1 + (b.tiles ? b.tiles.grid ** 2 : 0));
  const per = widths.reduce((s, w, i) => s + 2 * w * views[i]!, 0);
  const keyOf = (f: string): string => {
    const st = statSync(f);
    return `${path.relative(PROJECT_ROOT, f)}:${st.size}:${Math.round(st.mtimeMs)}`;
  };
  const cached = new Map<string, Float32Array>();
  if (existsSync(`${base}.json`) && existsSync(`${base}.f32`)) {
    const idx = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as Index;
    if (idx.widths.join() === widths.join()) {
      const buf = readFileSync(`${base}.f32`);
      const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
      idx.keys.forEach((k, i) => cached.set(k, all.subarray(i * per, (i + 1) * per)));
    }
  }
  const t0 = Date.now();
  let fresh = 0;
  const rows: Float32Array[] = [];
  for (const s of samples) {
    const key = keyOf(s.file);
    let row = cached.get(key);
    if (!row) {
      const parts = await features.parts(await readImageBgr(s.file), undefined, true);
      row = new Float32Array(per);
      let o = 0;
      for (const p of parts) {
        for (const v of [p.whole, ...(p.tiles ?? [])]) {
          row.set(v.plain, o);
          row.set(v.flipped!, o + v.plain.length);
          o += 2 * v.plain.length;
        }
      }
      cached.set(key, row);
      fresh++;
      if (fresh % 100 === 0) process.stdout.write(`  features: ${fresh} extracted (${((Date.now() - t0) / fresh).toFixed(0)} ms/photo)\n`);
    }
    rows.push(row);
  }
  if (fresh > 0) {
    mkdirSync(CACHE_DIR, { recursive: true });
    const keys = [...cached.keys()];
    const all = new Float32Array(keys.length * per);
    keys.forEach((k, i) => all.set(cached.get(k)!, i * per));
    writeFileSync(`${base}.f32`, Buffer.from(all.buffer));
    writeFileSync(`${base}.json`, JSON.stringify({ widths, keys } satisfies Index));
  }
  console.log(`features: ${samples.length} photos, ${fresh} extracted now, ${samples.length - fresh} from cache (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return rows.map((row) => {
    let o = 0;
    const view = (w: number): ViewFeatures => {
      const v = { plain: row.subarray(o, o + w), flipped: row.subarray(o + w, o + 2 * w) };
      o += 2 * w;
      return v;
    };
    return widths.map((w, i) => {
      const whole = view(w);
      const tiles = Array.from({ length: views[i]! - 1 }, () => view(w));
      return { whole, tiles: tiles.length ? tiles : undefined };
    });
  });
}
