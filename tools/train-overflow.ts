// npm run train:overflow — trains the overflowing-bin classifier: MobileNetV2-int8 frozen up to
// block 13, the layers after it fine-tuned (tools/overflow/train_tail.py, Debian's python3-torch),
// on a cleaned, near-duplicate-grouped split. The operating point is chosen for precision by
// grouped CV inside the training part; the grouped hold-out is scored once at the end, through
// the runtime classifier. Writes models/overflow-tail.onnx and models/overflow-head.json (with the
// hold-out list) and records the head's sha256 in the manifest. Caches under var/cache/ (gitignored).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Backbone } from '../src/analytics/overflow/backbone.ts';
import { OverflowClassifier, type TailHeadFileT } from '../src/analytics/overflow/classifier.ts';
import { readImageBgr } from '../src/inference/image.ts';
import { loadManifest, PROJECT_ROOT, resolveModel, sha256File } from '../src/inference/manifest.ts';
import { cacheCutTensors, type CutCacheSpec } from './overflow/cut-cache.ts';
import { listSamples, OVERFLOW_DATA_DIR } from './overflow/dataset.ts';
import { conflicting, contentHash, dHash, GROUPING, groupedFolds, nearDuplicateGroups } from './overflow/groups.ts';
import { binaryMetrics, type BinaryMetrics } from './overflow/metrics.ts';
import { recordHeadSha } from './overflow/record-head.ts';

const MODELS = path.join(PROJECT_ROOT, 'models');
const OUT_DIR = process.env.OVERFLOW_HEAD_OUT ?? MODELS;
const CACHE = path.join(PROJECT_ROOT, 'var/cache/overflow');
const threads = Number(process.env.HUIYAN_THREADS ?? 2);
/** Debian's interpreter, which has python3-torch; a pyenv or venv `python3` first on PATH may not. */
const PYTHON = process.env.HUIYAN_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
/** Grouped split: fold 0 of 5 is the hold-out; the CV folds inside the rest use their own seed. */
const SPLIT = { folds: 5, holdoutFold: 0, seed: 20240601, cvFolds: 5, cvSeed: 11 };
/** Where the frozen part ends and how the crops are seen; chosen by grouped CV (docs/analytics.md). */
const CUT: Omit<CutCacheSpec, 'sha256'> = { modelId: 'mobilenetv2-int8', cut: '426', size: 224, augmented: 8, seed: 1 };
/** Trainer options (train_tail.py flags), chosen by grouped CV. */
const TRAINER = ['--epochs', '8', '--seeds', '1', '--min-precision', '0.97'];

async function main(): Promise<void> {
  const tStart = Date.now();
  const { entry } = await resolveModel(await loadManifest(), CUT.modelId);
  const name = (f: string): string => path.relative(OVERFLOW_DATA_DIR, f);

  // 1. Clean: photos whose bytes occur under both labels cannot be right twice.
  const all = listSamples();
  const bad = conflicting(all, all.map((s) => contentHash(s.file)));
  const samples = all.filter((_, i) => !bad.has(i));
  const ys = samples.map((s) => s.label);
  console.log(`data: ${all.length} photos; dropped ${bad.size} with the same bytes under both labels: ${[...bad].map((i) => name(all[i]!.file)).join(', ')}`);

  // 2. Group near-duplicates (dHash, or cosine of MobileNetV2's pooled `627`), split by group.
  const pooled = await Backbone.load({ modelId: CUT.modelId, tensors: ['627'], threads });
  const embeddings: Float32Array[] = [];
  for (const s of samples) embeddings.push(await pooled.featuresOfCrop(await readImageBgr(s.file)));
  await pooled.close();
  const groups = nearDuplicateGroups(await Promise.all(samples.map((s) => dHash(s.file))), embeddings, GROUPING);
  const members = new Map<number, number[]>();
  groups.forEach((g, i) => members.set(g, [...(members.get(g) ?? []), i]));
  const multi = [...members.values()].filter((m) => m.length > 1);
  const mixed = multi.filter((m) => new Set(m.map((i) => ys[i])).size > 1);
  console.log(`groups: ${members.size} (dHash ≤ ${GROUPING.maxHamming} bits or cosine ≥ ${GROUPING.minCosine}); ${multi.length} with 2+ photos covering ${multi.reduce((s, m) => s + m.length, 0)}; ` +
    `${mixed.length} hold both labels: ${mixed.map((m) => m.map((i) => name(samples[i]!.file)).join(' + ')).join('; ')}`);
  const fold = groupedFolds(ys, groups, SPLIT.folds, SPLIT.seed);
  const trainIdx = ys.flatMap((_, i) => (fold[i] !== SPLIT.holdoutFold ? [i] : []));
  const holdIdx = ys.flatMap((_, i) => (fold[i] === SPLIT.holdoutFold ? [i] : []));
  const cv = groupedFolds(trainIdx.map((i) => ys[i]!), trainIdx.map((i) => groups[i]!), SPLIT.cvFolds, SPLIT.cvSeed);
  const cvOf = new Map(trainIdx.map((i, k) => [i, cv[k]!]));
  const count = (idx: number[], l: number): number => idx.filter((i) => ys[i] === l).length;
  console.log(`split: train ${trainIdx.length}, hold-out ${holdIdx.length} (${count(holdIdx, 0)} clean, ${count(holdIdx, 1)} dirty), whole groups, fold ${SPLIT.holdoutFold} of ${SPLIT.folds}`);
  mkdirSync(CACHE, { recursive: true });
  const splitFile = path.join(CACHE, 'split.json');
  writeFileSync(splitFile, JSON.stringify({ split: SPLIT, rows: samples.map((s, i) => ({ file: s.file, label: s.label, holdout: fold[i] === SPLIT.holdoutFold, cvFold: cvOf.get(i) ?? -1 })) }));

  // 3. The frozen part's outputs, plain, mirrored and augmented.
  const tCache = Date.now();
  const index = await cacheCutTensors({ ...CUT, sha256: entry.sha256 }, samples.map((s) => s.file), CACHE, threads);
  console.log(`frozen part (${CUT.modelId} to ${CUT.cut} at ${CUT.size} px, ${2 + CUT.augmented} views): ${((Date.now() - tCache) / 1000).toFixed(0)} s`);

  // 4. Grouped CV for the operating point, then the final fit (Python, torch).
  const { path: modelPath } = await resolveModel(await loadManifest(), CUT.modelId);
  const runDir = path.join(CACHE, 'run');
  const py = spawnSync(PYTHON, [path.join(PROJECT_ROOT, 'tools/overflow/train_tail.py'), '--cache', index, '--split', splitFile, '--model', modelPath, '--out', runDir, '--threads', String(threads), ...TRAINER], { stdio: 'inherit' });
  if (py.status !== 0) throw new Error(`${PYTHON} tools/overflow/train_tail.py failed (${py.error?.message ?? `exit ${py.status}`}); it needs Debian's python3-torch and python3-onnx`);
  const result = JSON.parse(readFileSync(path.join(runDir, 'result.json'), 'utf8')) as { threshold: number; cv: Record<string, unknown>; train: BinaryMetrics; hyper: Record<string, unknown>; trainableParams: number; torch: string };

  // 5. Head file → score the hold-out through the runtime classifier → record.
  mkdirSync(OUT_DIR, { recursive: true });
  const tailFile = path.join(OUT_DIR, 'overflow-tail.onnx');
  copyFileSync(path.join(runDir, 'overflow-tail.onnx'), tailFile);
  const headFile = path.join(OUT_DIR, 'overflow-head.json');
  const head: TailHeadFileT = {
    kind: 'overflow-tail',
    version: 1,
    backbone: { modelId: CUT.modelId, sha256: entry.sha256, cut: CUT.cut, size: CUT.size },
    tail: { file: 'overflow-tail.onnx', sha256: await sha256File(tailFile), input: 'x', output: 'logit' },
    flip: true,
    threshold: Math.round(result.threshold * 1e6) / 1e6,
    training: {
      data: 'shared/data/overflow/train (clean 0, dirty 1)',
      cleaning: { droppedConflicting: [...bad].map((i) => name(all[i]!.file)) },
      grouping: { ...GROUPING, groups: members.size, multiPhotoGroups: multi.length },
      split: { ...SPLIT, train: trainIdx.length, holdout: holdIdx.map((i) => name(samples[i]!.file)) },
      views: { augmented: CUT.augmented, seed: CUT.seed, how: 'tools/overflow/cut-cache.ts' },
      trainer: { ...result.hyper, trainableParams: result.trainableParams, torch: result.torch },
      operatingPoint: { minPrecision: result.hyper.min_precision, logit: result.threshold, cv: result.cv },
      train: result.train,
    },
  };
  writeFileSync(headFile, JSON.stringify(head, null, 1) + '\n');
  const clf = await OverflowClassifier.load(headFile, threads);
  const logits: number[] = [];
  for (const i of holdIdx) logits.push(await clf.logit(await readImageBgr(samples[i]!.file)));
  await clf.close();
  const holdYs = holdIdx.map((i) => ys[i]!);
  const round = (m: BinaryMetrics) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Math.round(v * 1e4) / 1e4]));
  const holdM = binaryMetrics(logits, holdYs, head.threshold);
  const holdZero = binaryMetrics(logits, holdYs, 0);
  head.training.holdout = round(holdM);
  head.training.holdoutAtLogitZero = round(holdZero);
  writeFileSync(headFile, JSON.stringify(head, null, 1) + '\n');
  if (!process.env.OVERFLOW_HEAD_OUT) await recordHeadSha('overflow-head', headFile);

  const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
  const line = (m: BinaryMetrics): string => `accuracy ${pct(m.accuracy)}, precision ${pct(m.precision)}, recall ${pct(m.recall)} (tp ${m.tp}, fp ${m.fp}, tn ${m.tn}, fn ${m.fn})`;
  console.log(`GROUPED HOLD-OUT (${holdM.n} photos, no group on both sides), operating point logit ${head.threshold.toFixed(3)}: ${line(holdM)}`);
  console.log(`  same model at logit 0: ${line(holdZero)}`);
  console.log(`wrote ${path.relative(PROJECT_ROOT, headFile)} and ${path.relative(PROJECT_ROOT, tailFile)}; total ${((Date.now() - tStart) / 1000).toFixed(0)} s with ${threads} threads`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
