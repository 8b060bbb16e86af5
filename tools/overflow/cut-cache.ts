// Offline (npm run train:overflow): caches the frozen part's output — MobileNetV2-int8 up to the
// cut tensor, exactly as the runtime classifier computes it — for every photo in several views,
// so the trainer (tools/overflow/train_tail.py) never runs the int8 graph. Per photo, view 0 is
// the runtime crop (whole photo stretched to size×size), view 1 the same mirrored (the flip of
// test-time augmentation), views 2.. random augmentations for training: a resized crop of 60–100 %
// of the area (aspect 3/4–4/3), mirrored with p 0.5, brightness / contrast / saturation ±15 %.
// Values are stored re-quantised to uint8 (exact: the int8 graph computes them as uint8).
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { normalise, normalisedCrop } from '../../src/analytics/overflow/backbone.ts';
import { FrozenPart } from '../../src/analytics/overflow/classifier.ts';
import { readImageBgr } from '../../src/inference/image.ts';
import { seededRandom } from './dataset.ts';

export interface CutCacheSpec {
  modelId: string;
  /** sha256 of the model file (a different file invalidates the cache). */
  sha256: string;
  cut: string;
  size: number;
  /** Augmented views per photo (besides plain and mirrored). */
  augmented: number;
  seed: number;
}

/** The cache's index, next to its .u8 file: the layout Python reads. */
export interface CutCacheIndex extends CutCacheSpec {
  files: string[];
  views: number;
  /** Shape of one view's tensor [C, H, W]. */
  shape: number[];
  scale: number;
  zeroPoint: number;
}

/**
 * Writes (or reuses, when the index matches `spec` and `files`) `<dir>/cut-<cut>-<size>-k<augmented>.u8`
 * (photos × views × C × H × W, uint8) and its .json index. Returns the index path.
 */
export async function cacheCutTensors(spec: CutCacheSpec, files: string[], dir: string, threads = 2): Promise<string> {
  const base = path.join(dir, `cut-${spec.cut}-${spec.size}-k${spec.augmented}`);
  if (existsSync(`${base}.json`) && existsSync(`${base}.u8`)) {
    const old = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as CutCacheIndex;
    const same = (Object.keys(spec) as (keyof CutCacheSpec)[]).every((k) => old[k] === spec[k]) && JSON.stringify(old.files) === JSON.stringify(files);
    if (same) return `${base}.json`;
  }
  mkdirSync(dir, { recursive: true });
  const frozen = await FrozenPart.load(spec.modelId, spec.cut, threads);
  const rand = seededRandom(spec.seed);
  const u = (a: number, b: number): number => a + (b - a) * rand();
  const views = 2 + spec.augmented;
  const plane = spec.size * spec.size;
  const fd = openSync(`${base}.u8`, 'w');
  let shape: number[] = [];
  const t0 = Date.now();
  try {
    for (const [p, file] of files.entries()) {
      const img = await readImageBgr(file);
      const input = new Float32Array(views * 3 * plane);
      input.set(await normalisedCrop(img, undefined, spec.size, false, frozen.norm), 0);
      input.set(await normalisedCrop(img, undefined, spec.size, true, frozen.norm), 3 * plane);
      for (let v = 2; v < views; v++) {
        const area = u(0.6, 1);
        const ratio = Math.exp(u(Math.log(3 / 4), Math.log(4 / 3)));
        const width = Math.max(1, Math.round(Math.min(1, Math.sqrt(area * ratio)) * img.width));
        const height = Math.max(1, Math.round(Math.min(1, Math.sqrt(area / ratio)) * img.height));
        const left = Math.floor(rand() * (img.width - width + 1));
        const top = Math.floor(rand() * (img.height - height + 1));
        const bgr = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
          .extract({ left, top, width, height }).resize(spec.size, spec.size, { fit: 'fill' }).flop(rand() < 0.5).raw().toBuffer();
        jitter(bgr, u(0.85, 1.15), u(0.85, 1.15), u(0.85, 1.15));
        input.set(normalise(bgr, plane, frozen.norm), v * 3 * plane);
      }
      const t = await frozen.run(input, views, spec.size);
      shape = (t.dims as number[]).slice(1);
      const data = t.data as Float32Array;
      const q = new Uint8Array(data.length);
      for (let i = 0; i < data.length; i++) q[i] = Math.round(data[i]! / frozen.scale) + frozen.zeroPoint;
      writeSync(fd, q);
      if ((p + 1) % 200 === 0) console.log(`  cut ${spec.cut} at ${spec.size}: ${p + 1}/${files.length} photos (${((Date.now() - t0) / (p + 1)).toFixed(0)} ms each)`);
    }
  } finally {
    closeSync(fd);
    await frozen.close();
  }
  const index: CutCacheIndex = { ...spec, files, views, shape, scale: frozen.scale, zeroPoint: frozen.zeroPoint };
  writeFileSync(`${base}.json`, JSON.stringify(index));
  return `${base}.json`;
}

/** Brightness, contrast (about the mean grey) and saturation (about each pixel's luma) of BGR bytes, in place. */
function jitter(bgr: Buffer, brightness: number, contrast: number, saturation: number): void {
  const n = bgr.length / 3;
  let grey = 0;
  for (let i = 0; i < n; i++) grey += 0.114 * bgr[i * 3]! + 0.587 * bgr[i * 3 + 1]! + 0.299 * bgr[i * 3 + 2]!;
  grey /= n;
  for (let i = 0; i < n; i++) {
    const b = bgr[i * 3]!, g = bgr[i * 3 + 1]!, r = bgr[i * 3 + 2]!;
    const l = 0.299 * r + 0.587 * g + 0.114 * b;
    for (const [k, c] of [[0, b], [1, g], [2, r]] as const) {
      const v = ((l + (c - l) * saturation - grey) * contrast + grey) * brightness;
      bgr[i * 3 + k] = Math.min(255, Math.max(0, Math.round(v)));
    }
  }
}
