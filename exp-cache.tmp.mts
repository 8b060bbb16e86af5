// Overflow fine-tuning experiment (not part of the repo): reproduces the grouped split of
// tools/train-overflow.ts and caches the frozen int8 MobileNetV2 tensors at the cut points.
//   npx tsx exp-cache.tmp.mts split                  -> /work/exp/split.json
//   npx tsx exp-cache.tmp.mts cache <size> <K> <seed> -> /work/exp/cache/s<size>_<cut>.u8 (+ .json)
// Per photo the cache holds 2+K views: 0 plain, 1 mirrored (exactly the runtime crop: whole photo
// stretched 'fill' to size×size), then K augmented views (random resized crop of 60–100 % area,
// aspect 3/4–4/3, mirror with p 0.5, brightness/contrast/saturation ±15 %). Values are the
// uint8 quantized tensors (dequantize with the scale/zero point in mnv2_cut.json).
import { mkdirSync, readFileSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { Backbone } from './src/analytics/overflow/backbone.ts';
import { readImageBgr } from './src/inference/image.ts';
import { loadManifest, resolveModel } from './src/inference/manifest.ts';
import { listSamples, OVERFLOW_DATA_DIR, seededRandom } from './tools/overflow/dataset.ts';
import { conflicting, contentHash, dHash, GROUPING, groupedFolds, nearDuplicateGroups } from './tools/overflow/groups.ts';

const EXP = '/work/exp';
const SPLIT = { folds: 5, holdoutFold: 0, seed: 20240601, cvFolds: 5, cvSeed: 11 };
const name = (f: string): string => path.relative(OVERFLOW_DATA_DIR, f);

async function split(): Promise<void> {
  const all = listSamples();
  const bad = conflicting(all, all.map((s) => contentHash(s.file)));
  const samples = all.filter((_, i) => !bad.has(i));
  const ys = samples.map((s) => s.label);
  // Same grouping features as train-overflow.ts: MobileNetV2 `627` average (whole crop, plain).
  // (It takes the L2-normalised 627 average; cosine is scale-free, so the unnormalised pool is the same link.)
  const bb = await Backbone.load({ modelId: 'mobilenetv2-int8', tensors: ['627'], threads: 2 });
  const emb: Float32Array[] = [];
  for (const s of samples) emb.push(await bb.featuresOfCrop(await readImageBgr(s.file)));
  await bb.close();
  const dh = await Promise.all(samples.map((s) => dHash(s.file)));
  const groups = nearDuplicateGroups(dh, emb, GROUPING);
  const fold = groupedFolds(ys, groups, SPLIT.folds, SPLIT.seed);
  const trainIdx = ys.flatMap((_, i) => (fold[i] !== SPLIT.holdoutFold ? [i] : []));
  const cv = groupedFolds(trainIdx.map((i) => ys[i]!), trainIdx.map((i) => groups[i]!), SPLIT.cvFolds, SPLIT.cvSeed);
  const cvOf = new Map(trainIdx.map((i, k) => [i, cv[k]!]));
  const rows = samples.map((s, i) => ({ file: name(s.file), label: s.label, group: groups[i], holdout: fold[i] === SPLIT.holdoutFold, cvFold: cvOf.get(i) ?? -1 }));
  // Check against the shipped head's recorded hold-out.
  const head = JSON.parse(readFileSync(path.resolve('models/overflow-head.json'), 'utf8'));
  const rec: string[] = head.training.split.holdout;
  const mine = rows.filter((r) => r.holdout).map((r) => r.file);
  const same = rec.length === mine.length && rec.every((f, i) => f === mine[i]);
  console.log(`photos ${rows.length}, dropped ${[...bad].map((i) => name(all[i]!.file))}, groups ${new Set(groups).size}, hold-out ${mine.length} (clean ${rows.filter((r) => r.holdout && r.label === 0).length}); equals head's list: ${same}`);
  if (!same) throw new Error('hold-out differs from models/overflow-head.json');
  writeFileSync(`${EXP}/split.json`, JSON.stringify({ split: SPLIT, grouping: GROUPING, rows }, null, 0));
}

async function cache(size: number, K: number, seed: number): Promise<void> {
  const meta = JSON.parse(readFileSync(`${EXP}/mnv2_cut.json`, 'utf8')) as { cuts: string[] };
  const rows = (JSON.parse(readFileSync(`${EXP}/split.json`, 'utf8')) as { rows: { file: string }[] }).rows;
  const entry = (await resolveModel(await loadManifest(), 'mobilenetv2-int8')).entry;
  const { mean, std } = entry.preprocess; // RGB order, 0–255 units
  const session = await ort.InferenceSession.create(`${EXP}/mnv2_cut.onnx`, { intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const rand = seededRandom(seed);
  const u = (a: number, b: number): number => a + (b - a) * rand();
  const V = 2 + K;
  mkdirSync(`${EXP}/cache`, { recursive: true });
  const fds = meta.cuts.map((c) => openSync(`${EXP}/cache/s${size}_k${K}_${c}.u8`, 'w'));
  const shapes: number[][] = [];
  const t0 = Date.now();
  for (const [p, r] of rows.entries()) {
    const img = await readImageBgr(path.join(OVERFLOW_DATA_DIR, r.file));
    const input = new Float32Array(V * 3 * size * size);
    for (let v = 0; v < V; v++) {
      let left = 0, top = 0, width = img.width, height = img.height, flip = v === 1;
      let bright = 1, contrast = 1, sat = 1;
      if (v >= 2) {
        const area = u(0.6, 1), ratio = Math.exp(u(Math.log(3 / 4), Math.log(4 / 3)));
        const wf = Math.min(1, Math.sqrt(area * ratio)), hf = Math.min(1, Math.sqrt(area / ratio));
        width = Math.max(1, Math.round(wf * img.width)); height = Math.max(1, Math.round(hf * img.height));
        left = Math.floor(rand() * (img.width - width + 1)); top = Math.floor(rand() * (img.height - height + 1));
        flip = rand() < 0.5;
        bright = u(0.85, 1.15); contrast = u(0.85, 1.15); sat = u(0.85, 1.15);
      }
      // Same pipeline as Backbone.featuresOfCrop (sharp keeps BGR as 3 opaque channels).
      const bgr = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
        .extract({ left, top, width, height }).resize(size, size, { fit: 'fill' }).flop(flip).raw().toBuffer();
      const plane = size * size, o = v * 3 * plane;
      let grey = 0;
      if (contrast !== 1) { for (let i = 0; i < plane; i++) grey += 0.114 * bgr[i * 3]! + 0.587 * bgr[i * 3 + 1]! + 0.299 * bgr[i * 3 + 2]!; grey /= plane; }
      for (let i = 0; i < plane; i++) {
        let R = bgr[i * 3 + 2]!, G = bgr[i * 3 + 1]!, B = bgr[i * 3]!;
        if (v >= 2) {
          const l = 0.299 * R + 0.587 * G + 0.114 * B;
          R = l + (R - l) * sat; G = l + (G - l) * sat; B = l + (B - l) * sat;
          R = (R - grey) * contrast + grey; G = (G - grey) * contrast + grey; B = (B - grey) * contrast + grey;
          R = Math.min(255, Math.max(0, R * bright)); G = Math.min(255, Math.max(0, G * bright)); B = Math.min(255, Math.max(0, B * bright));
        }
        input[o + i] = (R - mean[0]!) / std[0]!;
        input[o + plane + i] = (G - mean[1]!) / std[1]!;
        input[o + 2 * plane + i] = (B - mean[2]!) / std[2]!;
      }
    }
    const out = await session.run({ input: new ort.Tensor('float32', input, [V, 3, size, size]) });
    meta.cuts.forEach((c, k) => {
      const t = out[`${c}_quantized`]!;
      if (p === 0) shapes.push(t.dims.slice(1) as number[]);
      writeSync(fds[k]!, t.data as Uint8Array);
    });
    if ((p + 1) % 200 === 0) console.log(`  ${p + 1}/${rows.length} (${((Date.now() - t0) / (p + 1)).toFixed(0)} ms/photo)`);
  }
  fds.forEach((fd) => closeSync(fd));
  meta.cuts.forEach((c, k) => writeFileSync(`${EXP}/cache/s${size}_k${K}_${c}.json`, JSON.stringify({ cut: c, size, views: V, K, seed, photos: rows.length, shape: shapes[k] })));
  console.log(`cached ${rows.length} photos × ${V} views at ${size} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

const [cmd, ...a] = process.argv.slice(2);
if (cmd === 'split') await split();
else if (cmd === 'cache') await cache(Number(a[0] ?? 224), Number(a[1] ?? 8), Number(a[2] ?? 1));
else throw new Error('usage: split | cache <size> <K> <seed>');
