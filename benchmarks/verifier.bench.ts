// Cost of the second-stage crop verifier: MobileNetV2-int8 per crop (square crop + bilinear
// 224×224 + tensor + run + softmax) against one YOLOX-nano detection pass on the same photos,
// in alternating blocks so machine load hits both alike. Crops: the labelled YOLOX `truck`
// boxes of tools/eval/truck-crops.json. Prints a table; writes benchmarks/results/verifier.json.
//
//   npm run bench:verifier -- [--crops 120] [--threads 2]
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadDetector } from '../src/inference/detectors.ts';
import { readImageBgr } from '../src/inference/image.ts';
import { PROJECT_ROOT } from '../src/inference/manifest.ts';
import { ImageNetClassifier } from '../src/inference/mobilenet.ts';
import { DATA } from '../tools/eval/cases.ts';
import { loadTruckCrops } from '../tools/eval/truck-verifier.ts';

const { values: args } = parseArgs({ options: { crops: { type: 'string', default: '120' }, threads: { type: 'string', default: '2' } } });
const threads = Number(args.threads);
const crops = (await loadTruckCrops()).slice(0, Number(args.crops));
const classifier = await ImageNetClassifier.load('mobilenetv2-int8', { threads });
const yolox = await loadDetector('yolox-nano', { threads });
const images = new Map<string, Awaited<ReturnType<typeof readImageBgr>>>();
for (const c of crops) if (!images.has(c.file)) images.set(c.file, await readImageBgr(path.join(DATA, c.file)));

const cls: number[] = [];
const det: number[] = [];
// Warm-up, then blocks of 10 crops / 10 detections alternately.
for (const c of crops.slice(0, 5)) await classifier.classify(images.get(c.file)!, c.box);
for (let i = 0; i < crops.length; i += 10) {
  for (const c of crops.slice(i, i + 10)) {
    const t0 = performance.now();
    await classifier.classify(images.get(c.file)!, c.box);
    cls.push(performance.now() - t0);
  }
  for (const c of crops.slice(i, i + 10)) {
    const t0 = performance.now();
    await yolox.detect(images.get(c.file)!);
    det.push(performance.now() - t0);
  }
}
const q = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
const rows = [
  { step: 'verifier: MobileNetV2-int8 per crop', n: cls.length, mean: mean(cls), p50: q(cls, 0.5), p99: q(cls, 0.99) },
  { step: 'YOLOX-nano per photo (same photos)', n: det.length, mean: mean(det), p50: q(det, 0.5), p99: q(det, 0.99) },
];
const ratio = mean(cls) / mean(det);
console.log(`threads ${threads}, load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`);
console.log('| step | n | mean ms | p50 ms | p99 ms |\n|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.step} | ${r.n} | ${r.mean.toFixed(1)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |`);
console.log(`cost of one crop check / one detection pass: ${ratio.toFixed(2)}`);
await mkdir(path.join(PROJECT_ROOT, 'benchmarks/results'), { recursive: true });
await writeFile(path.join(PROJECT_ROOT, 'benchmarks/results/verifier.json'), JSON.stringify({ threads, rows, ratio }, null, 2) + '\n');
await Promise.all([classifier.close(), yolox.close()]);
