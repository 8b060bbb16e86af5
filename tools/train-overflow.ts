// npm run train:overflow — trains the overflowing-bin head on frozen MobileNetV2-int8 features
// (whole crop + 2×2 closer tiles, flip-averaged), on a cleaned and near-duplicate-grouped split.
// Features are cached under var/cache/ (gitignored) so a re-run only trains the head.
// Writes models/overflow-head.json (with the hold-out list) and prints the grouped hold-out figures.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { combine, OverflowFeatures, tileBlockViews, type FeatureSpecT } from '../src/analytics/overflow/features.ts';
import { predict, type HeadFileT } from '../src/analytics/overflow/head.ts';
import { loadManifest, PROJECT_ROOT, resolveModel } from '../src/inference/manifest.ts';
import { listSamples, OVERFLOW_DATA_DIR } from './overflow/dataset.ts';
import { extractParts } from './overflow/extract.ts';
import { conflicting, contentHash, dHash, GROUPING, groupedFolds, nearDuplicateGroups } from './overflow/groups.ts';
import { recordHeadSha } from './overflow/record-head.ts';
import { ridgeCvMargins, thresholdForPrecision } from './overflow/ridge-cv.ts';
import { binaryMetrics, trainRidgeHead } from './overflow/train.ts';

const OUT = process.env.OVERFLOW_HEAD_OUT ?? path.join(PROJECT_ROOT, 'models/overflow-head.json');
const threads = Number(process.env.HUIYAN_THREADS ?? 2);
/** Grouped split: fold 0 of 5 is the hold-out; the CV folds inside the rest use their own seed. */
const SPLIT = { folds: 5, holdoutFold: 0, seed: 20240601, cvFolds: 5, cvSeed: 11 };
const LAMBDAS = [0.3, 1, 3, 10];
/** A false overflow alert costs an officer a trip: the operating point is chosen for precision. */
const MIN_PRECISION = 0.97;
/** Chosen by grouped CV on the training part among YOLOX / MobileNetV2 / both, ± flip, ± tiles, tiles max-pooled or in place (docs/analytics.md). */
const MOBILENET = { modelId: 'mobilenetv2-int8', tensors: ['627', '627:max'], tiles: { grid: 2, size: 0.6, pool: 'concat' as const } };

async function main(): Promise<void> {
  const tStart = Date.now();
  const manifest = await loadManifest();
  const spec: FeatureSpecT = { flip: true, backbones: [{ ...MOBILENET, sha256: (await resolveModel(manifest, MOBILENET.modelId)).entry.sha256 }] };

  // 1. Clean: photos whose bytes occur under both labels cannot be right twice.
  const all = listSamples();
  const hashes = all.map((s) => contentHash(s.file));
  const bad = conflicting(all, hashes);
  const name = (f: string): string => path.relative(OVERFLOW_DATA_DIR, f);
  const features = await OverflowFeatures.load(spec, threads);
  const allParts = await extractParts(features, all);
  await features.close();
  const keep = all.flatMap((_, i) => (bad.has(i) ? [] : [i]));
  const samples = keep.map((i) => all[i]!);
  const parts = keep.map((i) => allParts[i]!);
  const ys = samples.map((s) => s.label);
  console.log(`data: ${all.length} photos; dropped ${bad.size} with the same bytes under both labels: ${[...bad].map((i) => name(all[i]!.file)).join(', ')}`);

  // 2. Group near-duplicates (dHash or MobileNetV2 pooled-feature cosine), split by group.
  const dh = await Promise.all(samples.map((s) => dHash(s.file)));
  const groups = nearDuplicateGroups(dh, parts.map((p) => p[0]!.whole.plain.subarray(0, 1280)), GROUPING);
  const members = new Map<number, number[]>();
  groups.forEach((g, i) => members.set(g, [...(members.get(g) ?? []), i]));
  const multi = [...members.values()].filter((m) => m.length > 1);
  const mixed = multi.filter((m) => new Set(m.map((i) => ys[i])).size > 1);
  console.log(`groups: ${members.size} (dHash ≤ ${GROUPING.maxHamming} bits or cosine ≥ ${GROUPING.minCosine}); ${multi.length} with 2+ photos covering ${multi.reduce((s, m) => s + m.length, 0)}, ` +
    `largest ${Math.max(...multi.map((m) => m.length))}; ${mixed.length} hold both labels: ${mixed.map((m) => m.map((i) => name(samples[i]!.file)).join(' + ')).join('; ')}`);
  const split = groupedFolds(ys, groups, SPLIT.folds, SPLIT.seed);
  const trainIdx = ys.flatMap((_, i) => (split[i] !== SPLIT.holdoutFold ? [i] : []));
  const holdIdx = ys.flatMap((_, i) => (split[i] === SPLIT.holdoutFold ? [i] : []));
  const count = (idx: number[], l: number): number => idx.filter((i) => ys[i] === l).length;
  console.log(`split: train ${trainIdx.length}, hold-out ${holdIdx.length} (${count(holdIdx, 0)} clean, ${count(holdIdx, 1)} dirty), whole groups, fold ${SPLIT.holdoutFold} of ${SPLIT.folds}`);

  // 3. λ and the operating point by grouped k-fold CV on the training part only.
  const xs = parts.map((p) => combine(p, spec));
  // One block per view kind (whole crop, tiles) of each backbone, weighted equally.
  const blocks = parts[0]!.flatMap((b, i) => {
    const w = b.whole.plain.length;
    const t = tileBlockViews(spec.backbones[i]!);
    return t ? [w, t * w] : [w];
  });
  const trX = trainIdx.map((i) => xs[i]!);
  const trY = trainIdx.map((i) => ys[i]!);
  const cvFolds = groupedFolds(trY, trainIdx.map((i) => groups[i]!), SPLIT.cvFolds, SPLIT.cvSeed);
  const tCv = Date.now();
  const margins = ridgeCvMargins(trX, trY, cvFolds, LAMBDAS, blocks);
  const cv = margins.map((m) => {
    const threshold = thresholdForPrecision(m, trY, MIN_PRECISION);
    const atZero = binaryMetrics(m, trY, 0);
    const atOp = binaryMetrics(m, trY, threshold);
    return { threshold, atZero, atOp };
  });
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  LAMBDAS.forEach((l, i) => console.log(`  grouped ${SPLIT.cvFolds}-fold CV, λ ${l}: accuracy ${pct(cv[i]!.atZero.accuracy)} at margin 0; ` +
    `precision ≥ ${pct(MIN_PRECISION)} from margin ${cv[i]!.threshold.toFixed(3)}: recall ${pct(cv[i]!.atOp.recall)}, accuracy ${pct(cv[i]!.atOp.accuracy)}`));
  // Best recall at the required precision (ties: higher accuracy at margin 0).
  const best = cv.reduce((b, c, i) => (c.atOp.recall > cv[b]!.atOp.recall || (c.atOp.recall === cv[b]!.atOp.recall && c.atZero.accuracy > cv[b]!.atZero.accuracy) ? i : b), 0);
  const lambda = LAMBDAS[best]!;
  const threshold = cv[best]!.threshold;
  if (!Number.isFinite(threshold)) throw new Error(`no margin reaches precision ${MIN_PRECISION} in cross-validation`);
  console.log(`chosen: λ ${lambda}, operating point margin ${threshold.toFixed(3)} (CV ${(((Date.now() - tCv) / 1000)).toFixed(0)} s)`);

  // 4. Final fit on the whole training part; the threshold goes into the bias (score 0.5 = operating point).
  const params = trainRidgeHead(trX, trY, lambda, blocks);
  params.b1 = [params.b1[0]! - threshold, params.b1[1]! + threshold].map((v) => Math.round(v * 1e8) / 1e8);
  const head: HeadFileT = { kind: 'overflow-head', version: 2, features: spec, ...params, training: {} };
  const evalOn = (idx: number[]) => binaryMetrics(idx.map((i) => predict(head, xs[i]!)), idx.map((i) => ys[i]!));
  const trainM = evalOn(trainIdx);
  const holdM = evalOn(holdIdx);
  const holdBoundary = binaryMetrics(holdIdx.map((i) => predict(head, xs[i]!)), holdIdx.map((i) => ys[i]!), 1 / (1 + Math.exp(threshold)));
  const round = (m: ReturnType<typeof binaryMetrics>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Math.round(v * 1e4) / 1e4]));
  head.training = {
    data: 'shared/data/overflow/train (clean 0, dirty 1)',
    cleaning: { droppedConflicting: [...bad].map((i) => name(all[i]!.file)) },
    grouping: { ...GROUPING, groups: members.size, multiPhotoGroups: multi.length },
    split: { ...SPLIT, train: trainIdx.length, holdout: holdIdx.map((i) => name(samples[i]!.file)) },
    options: { head: 'ridge', lambda, lambdas: LAMBDAS, blocks },
    operatingPoint: { minPrecision: MIN_PRECISION, margin: threshold, cv: round(cv[best]!.atOp), cvAtMarginZero: round(cv[best]!.atZero) },
    threshold: 0.5,
    trainAccuracy: trainM.accuracy,
    holdout: holdM,
    holdoutAtMarginZero: holdBoundary,
  };
  writeFileSync(OUT, JSON.stringify(head) + '\n');
  if (!process.env.OVERFLOW_HEAD_OUT) await recordHeadSha('overflow-head', OUT);

  console.log(`head: ${spec.backbones.map((b) => `${b.modelId} (${b.tensors.length} pooled tensors${b.tiles ? `, + ${b.tiles.grid}×${b.tiles.grid} tiles of ${b.tiles.size} pooled by ${b.tiles.pool}` : ''})`).join(' + ')}, flip-averaged → ${params.dims} features → linear ridge head`);
  console.log(`train accuracy ${pct(trainM.accuracy)} (at the operating point)`);
  const line = (m: ReturnType<typeof binaryMetrics>): string => `accuracy ${pct(m.accuracy)}, precision ${pct(m.precision)}, recall ${pct(m.recall)} (tp ${m.tp}, fp ${m.fp}, tn ${m.tn}, fn ${m.fn})`;
  console.log(`GROUPED HOLD-OUT (${holdM.n} photos, no group on both sides), operating point: ${line(holdM)}`);
  console.log(`  same head at margin 0 (the plain ridge boundary): ${line(holdBoundary)}`);
  console.log(`wrote ${path.relative(PROJECT_ROOT, OUT)}; total ${((Date.now() - tStart) / 1000).toFixed(1)} s with ${threads} threads`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
