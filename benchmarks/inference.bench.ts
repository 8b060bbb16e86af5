// Inference hot-path benchmark: for each detector, on the same thread count and in one run,
// bare `session.run` on a prepared tensor versus the full hot path (raw BGR frame → tensor →
// run → decode → NMS) on real frames: sequential from bgr24, pipelined (two frames in flight),
// and sequential from planar gbrp. They are measured in alternating blocks so that load from
// other processes hits all alike. Prints a table; writes benchmarks/results/inference.json.
//
// Then YOLOX-nano fp32 vs int8 (built by tools/quantize) vs the Python + OpenCV-DNN recipe
// (benchmarks/opencv_dnn_yolox.py, Debian's python3-opencv) in interleaved blocks.
//
//   npm run bench:inference -- [--threads 2] [--iterations 200] [--models yolox-nano,nanodet-m] [--provider cpu|cuda] [--side-by-side 60]
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';
import { sampleFile } from '../src/ingest/sample-file.ts';
import { loadDetector } from '../src/inference/detectors.ts';
import { readImageBgr, scaleToFit } from '../src/inference/image.ts';
import { PROJECT_ROOT } from '../src/inference/manifest.ts';
import type { OnnxDetector } from '../src/inference/onnx-detector.ts';
import type { Provider } from '../src/inference/session.ts';
import type { BgrImage } from '../src/ingest/types.ts';
import type { InputImage, PlanarGbrImage } from '../src/inference/preprocess.ts';
import { percentile } from '../src/util/latency.ts';
import { buildQuantised } from '../tools/quantize/build.ts';

const DATA = path.resolve(PROJECT_ROOT, '../shared/data');

interface Case {
  model: string;
  /** What the frames are and at which size the hot path receives them. */
  frames: () => Promise<{ images: BgrImage[]; planar?: PlanarGbrImage[]; scale: number; what: string }>;
  inputSize?: { width: number; height: number };
  /** Cap on iterations for slow models, so one run stays a few minutes. */
  maxIterations?: number;
}

/** vtest.avi frames as ingest delivers them: scaled by ffmpeg to fit the detector input. */
const vtest = (width: number, height: number) => async () => {
  const fit = scaleToFit(768, 576, width, height);
  const images: BgrImage[] = [];
  const planar: PlanarGbrImage[] = [];
  const o = { fps: 1, width: fit.width, height: fit.height, maxSeconds: 24 };
  for await (const f of sampleFile(path.join(DATA, 'vtest.avi'), o)) images.push(f.image);
  for await (const f of sampleFile(path.join(DATA, 'vtest.avi'), { ...o, pixFmt: 'gbrp' })) planar.push(f.image);
  return { images, planar, scale: fit.scale, what: `vtest.avi ${fit.width}×${fit.height}, ${images.length} frames` };
};

const CASES: Case[] = [
  { model: 'yolox-nano', frames: vtest(416, 416) },
  { model: 'yolox-nano-int8', frames: vtest(416, 416) },
  { model: 'nanodet-m', frames: vtest(416, 416) },
  { model: 'yunet', frames: vtest(640, 480), inputSize: { width: 640, height: 480 } },
  {
    model: 'ppocr-v4-det',
    maxIterations: 60,
    frames: async () => {
      const img = await readImageBgr(path.join(DATA, 'street/checkpoint_camera_cn.jpg'), { width: 960, height: 960 });
      return { images: [img], scale: img.scale, what: `checkpoint_camera_cn.jpg ${img.width}×${img.height}` };
    },
  },
];

interface Series {
  ms: number[];
  totalMs: number;
}

function summary(s: Series) {
  const sorted = [...s.ms].sort((a, b) => a - b);
  return {
    iterations: s.ms.length,
    fps: (s.ms.length * 1000) / s.totalMs,
    meanMs: s.totalMs / s.ms.length,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
  };
}

async function bench(c: Case, threads: number, iterations: number, provider: Provider) {
  const det: OnnxDetector = await loadDetector(c.model, { threads, provider, inputSize: c.inputSize });
  const { images, planar, scale, what } = await c.frames();
  const prepared = det.prepare(images[0]!);
  const dims = Object.values(prepared.feeds)[0]!.dims;
  // A private copy of the tensor: the detector's own buffer is rewritten by the hot path.
  const bareFeeds = Object.fromEntries(
    Object.entries(prepared.feeds).map(([k, t]) => [k, new ort.Tensor('float32', Float32Array.from(t.data as Float32Array), t.dims)]),
  );
  const bare: Series = { ms: [], totalMs: 0 };
  const hot: Series = { ms: [], totalMs: 0 };
  const piped: Series = { ms: [], totalMs: 0 };
  const flat: Series = { ms: [], totalMs: 0 };
  const flatStage = { prepare: 0, post: 0, n: 0 };
  const stage: { prepare: number; post: number; n: number } = { prepare: 0, post: 0, n: 0 };
  let detections = 0;
  let frame = 0;

  const runBare = async (n: number, into: Series | null) => {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await det.session.run(bareFeeds);
      const dt = performance.now() - t0;
      if (into) (into.ms.push(dt), (into.totalMs += dt));
    }
  };
  const runHot = async (n: number, into: Series | null, list: InputImage[] = images, st = stage) => {
    for (let i = 0; i < n; i++) {
      const img = list[frame++ % list.length]!;
      const t0 = performance.now();
      const p = det.prepare(img);
      const t1 = performance.now();
      const out = await det.run(p);
      const t2 = performance.now();
      const dets = det.postprocess(out, p, scale);
      const t3 = performance.now();
      if (into) {
        into.ms.push(t3 - t0);
        into.totalMs += t3 - t0;
        st.prepare += t1 - t0;
        if (st === stage) {
          stage.post += t3 - t2;
          detections += dets.length;
        }
        st.n++;
      }
    }
  };

  // The same hot path through detect() with two frames in flight: the detector letterboxes
  // the next frame into its second buffer while ORT runs the current one.
  const runPiped = async (n: number, into: Series | null) => {
    const t0 = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const img = images[frame++ % images.length]!;
      const start = performance.now();
      inFlight.push(det.detect(img, scale).then(() => void into?.ms.push(performance.now() - start)));
      if (inFlight.length >= 2) await inFlight.shift();
    }
    await Promise.all(inFlight);
    if (into) into.totalMs += performance.now() - t0;
  };

  await runBare(10, null);
  await runHot(10, null);
  await runPiped(10, null);
  const block = 10;
  // Each bare block and the hot block right after it see nearly the same machine load; the
  // median of their throughput ratios is robust to bursts from other processes.
  const pairRatios: number[] = [];
  for (let done = 0; done < iterations; done += block) {
    const b0 = bare.totalMs, h0 = hot.totalMs;
    await runBare(block, bare);
    await runHot(block, hot);
    pairRatios.push((bare.totalMs - b0) / (hot.totalMs - h0));
    await runPiped(block, piped);
    if (planar) await runHot(block, flat, planar, flatStage);
  }
  await det.close();
  const b = summary(bare);
  const h = summary(hot);
  const pp = summary(piped);
  return {
    model: c.model,
    iterations,
    provider: det.provider,
    input: `${dims[3]}×${dims[2]}`,
    frames: what,
    bare: b,
    hotPath: h,
    ratio: h.fps / b.fps,
    pairedMedianRatio: percentile(pairRatios.sort((x, y) => x - y), 50),
    /** detect() with two frames in flight (latency here includes waiting for the previous run). */
    pipelined: pp,
    pipelinedRatio: pp.fps / b.fps,
    /** Sequential hot path fed planar gbrp frames (ffmpeg -pix_fmt gbrp) instead of bgr24. */
    planar: planar ? { ...summary(flat), prepareMs: flatStage.prepare / flatStage.n, ratio: summary(flat).fps / b.fps } : null,
    prepareMs: stage.prepare / stage.n,
    decodeNmsMs: stage.post / stage.n,
    detectionsPerFrame: detections / stage.n,
  };
}

const PYTHON = process.env.HUIYAN_PYTHON ?? '/usr/bin/python3';
const RECIPE = path.join(PROJECT_ROOT, 'benchmarks/opencv_dnn_yolox.py');

/** The Python + OpenCV-DNN recipe as a child that runs N detections per request (null without python3-opencv). */
async function openRecipe(threads: number): Promise<{ run(n: number): Promise<number>; close(): void; version: string } | null> {
  const p = spawn(PYTHON, [RECIPE, '--serve', path.join(DATA, 'vtest.avi'), '--threads', String(threads)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  p.stderr.on('data', (c: Buffer) => (err += c));
  const lines = createInterface({ input: p.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) {
    process.stderr.write(`OpenCV-DNN recipe not run (${PYTHON} with python3-opencv needed): ${err.trim().split('\n').pop()}\n`);
    return null;
  }
  const version = (JSON.parse(first.value as string) as { opencv: string }).opencv;
  return {
    version,
    async run(n: number) {
      p.stdin.write(`${n}\n`);
      const r = await lines.next();
      if (r.done) throw new Error(`OpenCV-DNN recipe exited: ${err}`);
      return Number(r.value);
    },
    close: () => p.stdin.end(),
  };
}

/**
 * YOLOX-nano fp32 vs int8 (both through Huiyan's sequential hot path: bgr24 frame → detections)
 * vs the Python + OpenCV-DNN recipe on the same frames and thread count, in interleaved blocks.
 */
async function sideBySide(threads: number, iterations: number, block = 10) {
  await buildQuantised('yolox-nano-int8');
  const { images, scale } = await vtest(416, 416)();
  const dets = { fp32: await loadDetector('yolox-nano', { threads }), int8: await loadDetector('yolox-nano-int8', { threads }) };
  const recipe = await openRecipe(threads);
  const total: Record<string, number> = { fp32: 0, int8: 0, opencv: 0 };
  const paired: Record<string, number[]> = { int8: [], opencvVsFp32: [], opencvVsInt8: [] };
  let frame = 0;
  const hot = async (d: OnnxDetector) => {
    const t0 = performance.now();
    for (let i = 0; i < block; i++) {
      const img = images[frame++ % images.length]!;
      const p = d.prepare(img);
      d.postprocess(await d.run(p), p, scale);
    }
    return performance.now() - t0;
  };
  await hot(dets.fp32);
  await hot(dets.int8);
  let n = 0;
  for (; n < iterations; n += block) {
    const a = await hot(dets.fp32);
    const b = await hot(dets.int8);
    total.fp32 += a;
    total.int8 += b;
    paired.int8!.push(a / b);
    if (recipe) {
      const c = await recipe.run(block);
      total.opencv += c;
      paired.opencvVsFp32!.push(c / a);
      paired.opencvVsInt8!.push(c / b);
    }
  }
  recipe?.close();
  await dets.fp32.close();
  await dets.int8.close();
  const med = (x: number[]) => (x.length ? percentile([...x].sort((p, q) => p - q), 50) : NaN);
  const fps = (ms: number) => (n * 1000) / ms;
  return {
    frames: n,
    fps: { fp32: fps(total.fp32!), int8: fps(total.int8!), opencv: recipe ? fps(total.opencv!) : null },
    int8VsFp32: total.fp32! / total.int8!,
    int8VsFp32Paired: med(paired.int8!),
    fp32VsOpencv: recipe ? total.opencv! / total.fp32! : null,
    int8VsOpencv: recipe ? total.opencv! / total.int8! : null,
    opencvPairedVsFp32: med(paired.opencvVsFp32!),
    opencvPairedVsInt8: med(paired.opencvVsInt8!),
    opencv: recipe?.version ?? null,
  };
}

/** CPU model and the SIMD flags that matter for int8 (VNNI) and fp32 (AVX-512/AVX2/FMA). */
function cpuFlags(): string {
  try {
    const flags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1]?.trim().split(/\s+/) ?? [];
    return flags.filter((f) => /^(avx|fma|amx|f16c)/.test(f)).join(' ');
  } catch {
    return 'unknown';
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      threads: { type: 'string', default: process.env.HUIYAN_THREADS ?? '2' },
      iterations: { type: 'string', default: '200' },
      models: { type: 'string' },
      provider: { type: 'string', default: 'cpu' },
      'side-by-side': { type: 'string', default: '60' },
      out: { type: 'string', default: path.join(PROJECT_ROOT, 'benchmarks/results/inference.json') },
    },
  });
  const threads = Number(values.threads);
  const iterations = Number(values.iterations);
  const wanted = values.models?.split(',');
  const cases = CASES.filter((c) => !wanted || wanted.includes(c.model));
  if (cases.some((c) => c.model.endsWith('-int8'))) await buildQuantised('yolox-nano-int8');
  const results = [];
  for (const c of cases) {
    process.stderr.write(`benchmarking ${c.model} …\n`);
    results.push(await bench(c, threads, Math.min(iterations, c.maxIterations ?? Infinity), values.provider as Provider));
  }
  const f = (v: number, d = 2) => v.toFixed(d);
  const rows = [
    ['model', 'input', 'iter', 'bare fps', 'bare p50', 'bare p99', 'hot fps', 'hot p50', 'hot p99', 'pre ms', 'dec+nms ms', 'ratio', 'paired', 'piped ratio', 'gbrp pre ms', 'gbrp ratio'],
    ...results.map((r) => [
      r.model, r.input, String(r.iterations), f(r.bare.fps, 1), f(r.bare.p50Ms), f(r.bare.p99Ms), f(r.hotPath.fps, 1), f(r.hotPath.p50Ms), f(r.hotPath.p99Ms),
      f(r.prepareMs, 3), f(r.decodeNmsMs, 3), f(r.ratio, 3), f(r.pairedMedianRatio, 3), f(r.pipelinedRatio, 3),
      r.planar ? f(r.planar.prepareMs, 3) : '-', r.planar ? f(r.planar.ratio, 3) : '-',
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  process.stdout.write(`\nthreads=${threads} iterations=${iterations} (alternating blocks of 10)  cpu: ${os.cpus()[0]?.model} ×${os.cpus().length}  load avg: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  process.stdout.write(`cpu flags: ${cpuFlags()}\n`);
  process.stdout.write(rows.map(line).join('\n') + '\n');
  const yolox = results.find((r) => r.model === 'yolox-nano');
  if (yolox) {
    process.stdout.write(
      `\nYOLOX-nano hot path / bare session.run throughput: ${f(yolox.ratio, 3)} overall, ${f(yolox.pairedMedianRatio, 3)} median of paired blocks, ${f(yolox.pipelinedRatio, 3)} pipelined, ${yolox.planar ? f(yolox.planar.ratio, 3) : '-'} from planar gbrp (target ≥ 0.95)\n`,
    );
  }
  const sideIterations = Number(values['side-by-side']);
  let side: Awaited<ReturnType<typeof sideBySide>> | null = null;
  if (sideIterations > 0) {
    process.stderr.write('YOLOX-nano fp32 vs int8 vs Python + OpenCV-DNN …\n');
    side = await sideBySide(threads, sideIterations);
    const o = side.opencv ? ` | OpenCV-DNN ${side.opencv} (${PYTHON}): ${f(side.fps.opencv!, 1)} fps` : ' | OpenCV-DNN: not run';
    process.stdout.write(
      `\nYOLOX-nano hot path, ${side.frames} frames each, interleaved blocks of 10, threads=${threads}: fp32 ${f(side.fps.fp32, 1)} fps | int8 ${f(side.fps.int8, 1)} fps${o}\n` +
        `  int8 / fp32 throughput: ${f(side.int8VsFp32, 3)} (paired median ${f(side.int8VsFp32Paired, 3)}; target ≥ 2)\n` +
        (side.fp32VsOpencv !== null
          ? `  Huiyan fp32 / OpenCV-DNN: ${f(side.fp32VsOpencv, 2)}× (paired ${f(side.opencvPairedVsFp32, 2)}×)   Huiyan int8 / OpenCV-DNN: ${f(side.int8VsOpencv!, 2)}× (paired ${f(side.opencvPairedVsInt8, 2)}×)\n`
          : ''),
    );
  }
  await mkdir(path.dirname(values.out!), { recursive: true });
  const report = {
    sideBySide: side,
    cpuFlags: cpuFlags(),
    at: new Date().toISOString(),
    threads,
    iterations,
    host: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, loadavg: os.loadavg(), node: process.version, onnxruntime: ort.env.versions.common },
    results,
  };
  await writeFile(values.out!, JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(`written ${path.relative(process.cwd(), values.out!)}\n`);
}

await main();
