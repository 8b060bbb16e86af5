// `huiyan analyze <video-or-image>`: run one detector over a file and write what it saw as
// JSON Lines (one line per sampled frame) plus an annotated contact sheet.
//
// `--threads N` (default HUIYAN_THREADS or 2) is the thread budget: N detectors in worker threads
// (thread-detector.ts) with one intra-op thread each, N frames in flight, results written in
// frame order. For a model this small one thread per frame wastes less than two threads splitting
// one frame, and the main thread stays free to decode and write (docs/inference.md).
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { UsageError, UserError, type Command } from '../command.ts';
import { contactSheet, type Tile } from '../contact-sheet.ts';
import { probeVideo } from '../video-frames.ts';
import { sampleFile } from '../../ingest/sample-file.ts';
import { ThreadDetector } from '../../inference/thread-detector.ts';
import { readImageBgr, scaleToFit } from '../../inference/image.ts';
import { loadManifest, resolveModel } from '../../inference/manifest.ts';
import type { BgrImage } from '../../ingest/types.ts';
import type { Detection } from '../../inference/types.ts';

const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.webp', '.bmp', '.tif', '.tiff']);
const SHEET_TILES = 12;

const usage =
  'huiyan analyze <video-or-image> [--model yolox-nano] [--fps 2] [--out dir] [--max-seconds N] [--threads N]';

interface Options {
  input: string;
  model: string;
  fps: number;
  out: string;
  maxSeconds?: number;
  threads?: number;
}

function parse(argv: string[]): Options {
  let v;
  try {
    v = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        model: { type: 'string', default: 'yolox-nano' },
        fps: { type: 'string', default: '2' },
        out: { type: 'string' },
        'max-seconds': { type: 'string' },
        threads: { type: 'string' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const input = v.positionals[0];
  if (!input || v.positionals.length > 1) throw new UsageError('give exactly one video or image file');
  if (!existsSync(input)) throw new UserError(`no such file: ${input}`);
  const num = (name: string, s: string | undefined) => {
    if (s === undefined) return undefined;
    const n = Number(s);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got "${s}"`);
    return n;
  };
  const base = path.basename(input).replace(/\.[^.]+$/, '');
  return {
    input,
    model: v.values.model!,
    fps: num('fps', v.values.fps)!,
    out: v.values.out ?? path.join('out', 'analyze', base),
    maxSeconds: num('max-seconds', v.values['max-seconds']),
    threads: num('threads', v.values.threads),
  };
}

interface Sample {
  index: number;
  t: number;
  image: BgrImage;
  /** Picture pixels per source pixel. */
  scale: number;
}

async function* samples(o: Options, fit: { width: number; height: number }, total: { n: number }): AsyncGenerator<Sample> {
  if (IMAGE_EXT.has(path.extname(o.input).toLowerCase())) {
    total.n = 1;
    const img = await readImageBgr(o.input, fit);
    yield { index: 0, t: 0, image: img, scale: img.scale };
    return;
  }
  const info = await probeVideo(o.input);
  const seconds = Math.min(info.duration || Infinity, o.maxSeconds ?? Infinity);
  total.n = Number.isFinite(seconds) ? Math.max(1, Math.ceil(seconds * o.fps)) : 0;
  // The one sampler (src/ingest): display rotation applied, aspect kept, the same sampling as ingest.
  let index = 0;
  for await (const s of sampleFile(o.input, { fps: o.fps, width: fit.width, height: fit.height, maxSeconds: o.maxSeconds })) {
    yield { index, t: s.t, image: s.image, scale: s.image.width / s.sourceWidth };
    index++;
  }
}

async function run(argv: string[]): Promise<number> {
  const o = parse(argv);
  const lanes = Math.max(1, Math.round(o.threads ?? (Number(process.env.HUIYAN_THREADS) || 2)));
  const entry = (await resolveModel(await loadManifest(), o.model)).entry;
  const detectors = await Promise.all(Array.from({ length: lanes }, () => ThreadDetector.load(o.model, { threads: 1 })));
  // Dynamic-input models take the picture at its own size up to the manifest size.
  const fit = { width: entry.input.width, height: entry.input.height };
  await mkdir(o.out, { recursive: true });
  const jsonlPath = path.join(o.out, 'detections.jsonl');
  const sheetPath = path.join(o.out, 'contact-sheet.jpg');
  const jsonl = createWriteStream(jsonlPath);
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, noTTYOutput: !process.stderr.isTTY, notTTYSchedule: 1000, format: 'analyze [{bar}] {value}/{total} frames | {dets} detections | {ms} ms/frame' },
    cliProgress.Presets.shades_classic,
  );
  const total = { n: 0 };
  const kept: Array<{ s: Sample; dets: Detection[] }> = [];
  let frames = 0;
  let detections = 0;
  let stride = 1;
  const t0 = performance.now();
  const write = (s: Sample, dets: Detection[]) => {
    frames++;
    detections += dets.length;
    jsonl.write(JSON.stringify({ frame: s.index, t: Number(s.t.toFixed(3)), model: o.model, detections: dets.map(round) }) + '\n');
    // Keep an evenly spaced subset for the contact sheet without holding every frame.
    if (s.index % stride === 0) kept.push({ s, dets });
    if (kept.length > SHEET_TILES * 2) {
      thin(kept);
      stride *= 2;
    }
    if (frames > bar.getTotal()) bar.setTotal(frames);
    bar.update(frames, { dets: detections, ms: ((performance.now() - t0) / frames).toFixed(1) });
  };
  // Frames in flight, oldest first; frame i runs on detector i mod lanes, which the frame
  // `lanes` places earlier has released by the time it is awaited.
  const inFlight: Array<{ s: Sample; dets: Promise<Detection[]> }> = [];
  try {
    let started = false;
    for await (const s of samples(o, fit, total)) {
      if (!started) {
        bar.start(total.n || 1, 0, { dets: 0, ms: '-' });
        started = true;
      }
      if (inFlight.length === lanes) {
        const done = inFlight.shift()!;
        write(done.s, await done.dets);
      }
      const dets = detectors[s.index % lanes]!.detect(s.image, s.scale);
      dets.catch(() => undefined); // awaited in order below; a failure surfaces there
      inFlight.push({ s, dets });
    }
    for (const f of inFlight.splice(0)) write(f.s, await f.dets);
    bar.stop();
  } finally {
    await Promise.allSettled(inFlight.map((f) => f.dets));
    await new Promise((r) => jsonl.end(r));
    for (const d of detectors) await d.close();
  }
  const busyMs = performance.now() - t0;
  if (frames === 0) throw new Error(`${o.input}: no frames decoded`);
  const pick = spread(kept, SHEET_TILES);
  const tiles: Tile[] = pick.map(({ s, dets }) => ({
    image: s.image,
    detections: dets,
    scale: s.scale,
    caption: `#${s.index}  t=${s.t.toFixed(1)} s  ${dets.length} det.`,
  }));
  await writeFile(sheetPath, await contactSheet(tiles));
  process.stdout.write(
    `${frames} frames, ${detections} detections, ${(busyMs / frames).toFixed(1)} ms/frame (${o.model})\n` +
      `detections: ${jsonlPath}\ncontact sheet: ${sheetPath}\n`,
  );
  return 0;
}

function round(d: Detection) {
  return { ...d, box: d.box.map((v) => Math.round(v * 10) / 10), score: Math.round(d.score * 1000) / 1000 };
}

/** Drops every other entry, keeping the first: spacing doubles and stays even. */
function thin<T>(a: T[]): void {
  let w = 0;
  for (let r = 0; r < a.length; r += 2) a[w++] = a[r]!;
  a.length = w;
}

function spread<T>(a: T[], n: number): T[] {
  if (a.length <= n) return a;
  return Array.from({ length: n }, (_, i) => a[Math.round((i * (a.length - 1)) / (n - 1))]!);
}

const command: Command = { summary: 'run a detector over a video or image; write JSONL and a contact sheet', usage, run };
export default command;
