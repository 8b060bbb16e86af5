// npm run train:overflow — trains the overflowing-bin head on frozen YOLOX-nano features.
// Features are cached under var/cache/ (gitignored) so a re-run only trains the head.
// Writes models/overflow-head.json and prints hold-out accuracy, precision and recall.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Backbone, YOLOX_NANO_FEATURE_TENSORS } from '../src/analytics/overflow/backbone.ts';
import { listSamples, stratifiedSplit, type Sample } from '../src/analytics/overflow/dataset.ts';
import { binaryMetrics, predict, trainRidgeHead, type HeadFileT } from '../src/analytics/overflow/head.ts';
import { ridgeCvAccuracy } from '../src/analytics/overflow/ridge-cv.ts';
import { recordHeadSha } from '../src/analytics/overflow/manifest-head.ts';
import { loadManifest, PROJECT_ROOT, resolveModel, sha256File } from '../src/inference/manifest.ts';

const OUT = process.env.OVERFLOW_HEAD_OUT ?? path.join(PROJECT_ROOT, 'models/overflow-head.json');
const CACHE_DIR = path.join(PROJECT_ROOT, 'var/cache');
const threads = Number(process.env.HUIYAN_THREADS ?? 2);

type Cache = Record<string, number[]>;

async function extract(backbone: Backbone, samples: Sample[], cacheFile: string): Promise<Map<string, Float32Array>> {
  const cache: Cache = existsSync(cacheFile) ? (JSON.parse(readFileSync(cacheFile, 'utf8')) as Cache) : {};
  const keyOf = (f: string): string => {
    const st = statSync(f);
    return `${path.relative(PROJECT_ROOT, f)}:${st.size}:${Math.round(st.mtimeMs)}`;
  };
  const out = new Map<string, Float32Array>();
  let fresh = 0;
  const t0 = Date.now();
  for (const s of samples) {
    const key = keyOf(s.file);
    let f = cache[key];
    if (!f) {
      f = Array.from(await backbone.featuresOfFile(s.file), (x) => Math.round(x * 1e6) / 1e6);
      cache[key] = f;
      fresh++;
      if (fresh % 100 === 0) process.stdout.write(`  features: ${fresh} extracted (${((Date.now() - t0) / fresh).toFixed(0)} ms/photo)\n`);
    }
    out.set(s.file, Float32Array.from(f));
  }
  if (fresh > 0) {
    mkdirSync(CACHE_DIR, { recursive: true });
    writeFileSync(cacheFile, JSON.stringify(cache));
  }
  console.log(`features: ${samples.length} photos, ${fresh} extracted now, ${samples.length - fresh} from cache (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return out;
}

async function main(): Promise<void> {
  const tStart = Date.now();
  const samples = listSamples();
  const { train, holdout } = stratifiedSplit(samples);
  const count = (s: Sample[], l: number): number => s.filter((x) => x.label === l).length;
  console.log(`data: ${samples.length} photos (${count(samples, 0)} clean, ${count(samples, 1)} dirty); ` +
    `train ${train.length}, hold-out ${holdout.length} (${count(holdout, 0)} clean, ${count(holdout, 1)} dirty), seed-fixed stratified 20%`);

  const backbone = await Backbone.load({ threads });
  const resolved = await resolveModel(await loadManifest(), backbone.modelId);
  const tensors = [...YOLOX_NANO_FEATURE_TENSORS];
  const cacheFile = path.join(CACHE_DIR, `overflow-features-${backbone.modelId}-${tensors.join('_').replace(/:/g, '-')}.json`);
  const feats = await extract(backbone, samples, cacheFile);
  await backbone.close();

  const tTrain = Date.now();
  // Ridge strength by 5-fold CV on the training part only (the hold-out stays unseen).
  const xs = train.map((s) => feats.get(s.file)!);
  const ys = train.map((s) => s.label);
  const lambdas = [0.1, 0.3, 1, 3, 10];
  const cv = ridgeCvAccuracy(xs, ys, lambdas);
  const best = cv.indexOf(Math.max(...cv));
  console.log(`ridge 5-fold CV on train: ${lambdas.map((l, i) => `λ ${l}: ${(cv[i]! * 100).toFixed(1)}%`).join(', ')}`);
  const opts = { head: 'ridge', lambda: lambdas[best]!, cvFolds: 5, cvAccuracy: Math.round(cv[best]! * 1e4) / 1e4 };
  const params = trainRidgeHead(xs, ys, opts.lambda);
  const trainSeconds = (Date.now() - tTrain) / 1000;
  const head: HeadFileT = {
    kind: 'overflow-head',
    version: 1,
    backbone: { modelId: backbone.modelId, sha256: await sha256File(resolved.path), tensors },
    ...params,
    training: {},
  };
  const evalOn = (set: Sample[]) => binaryMetrics(set.map((s) => predict(head, feats.get(s.file)!)), set.map((s) => s.label));
  const trainM = evalOn(train);
  const holdM = evalOn(holdout);
  head.training = {
    data: 'shared/data/overflow/train (clean 0, dirty 1)',
    split: { holdoutFraction: 0.2, seed: 20240601, train: train.length, holdout: holdout.length },
    options: opts,
    threshold: 0.5,
    trainAccuracy: trainM.accuracy,
    holdout: holdM,
  };
  writeFileSync(OUT, JSON.stringify(head) + '\n');
  if (!process.env.OVERFLOW_HEAD_OUT) await recordHeadSha('overflow-head', OUT);

  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  console.log(`head: ${tensors.length} pooled tensors → ${params.dims} features → linear ridge head (λ ${opts.lambda}) trained in ${trainSeconds.toFixed(1)} s`);
  console.log(`train accuracy ${pct(trainM.accuracy)}`);
  console.log(`HOLD-OUT (${holdM.n} unseen photos): accuracy ${pct(holdM.accuracy)}, precision ${pct(holdM.precision)}, recall ${pct(holdM.recall)} ` +
    `(tp ${holdM.tp}, fp ${holdM.fp}, tn ${holdM.tn}, fn ${holdM.fn})`);
  console.log(`wrote ${path.relative(PROJECT_ROOT, OUT)}; total ${((Date.now() - tStart) / 1000).toFixed(1)} s with ${threads} threads`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
