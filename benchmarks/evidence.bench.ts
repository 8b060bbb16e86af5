// Evidence sealing benchmark: bundles per second and bytes per bundle, sealing real
// vtest.avi frames (768×576) into the embedded filesystem store, with and without the MP4
// clip and the YuNet redaction, plus one run into a real S3 server process (s3rver). Each
// bundle has 3 stills (before/at/after: original + annotated each); the clip is made from
// 20 frames (5 s at 4 fps). Prints a table; writes benchmarks/results/evidence.json.
//
//   npm run bench:evidence -- [--bundles 30] [--concurrency 2] [--no-s3]
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { loadDetector } from '../src/inference/detectors.ts';
import { PROJECT_ROOT } from '../src/inference/manifest.ts';
import type { Detector } from '../src/inference/types.ts';
import { createEvidenceService, FsEvidenceStore, KeyRing, type EvidenceStore } from '../src/evidence/index.ts';
import { S3EvidenceStore } from '../src/evidence/store/s3-store.ts';
import { verifyAll } from '../src/evidence/verify.ts';
import { createLogger } from '../src/util/log.ts';
import { extractFrames, framesFor, MODELS, testCamera, testHit } from '../test/evidence/helpers.ts';
import { S3rverProcess } from '../test/evidence/s3rver-process.ts';

const { values: args } = parseArgs({
  options: {
    bundles: { type: 'string', default: '30' },
    concurrency: { type: 'string', default: '2' },
    'no-s3': { type: 'boolean', default: false },
  },
});
const N = Number(args.bundles);
const C = Number(args.concurrency);

interface Variant {
  name: string;
  clip: boolean;
  redact: boolean;
  concurrency: number;
  bundles: number;
  s3?: boolean;
}

const variants: Variant[] = [
  { name: 'stills', clip: false, redact: false, concurrency: 1, bundles: N },
  { name: 'stills', clip: false, redact: false, concurrency: C, bundles: N },
  { name: 'stills + redaction', clip: false, redact: true, concurrency: C, bundles: N },
  { name: 'stills + clip', clip: true, redact: false, concurrency: C, bundles: Math.ceil(N / 2) },
  { name: 'stills + clip + redaction', clip: true, redact: true, concurrency: C, bundles: Math.ceil(N / 2) },
  ...(args['no-s3'] ? [] : [{ name: 'stills → S3 (s3rver)', clip: false, redact: false, concurrency: C, bundles: N, s3: true }]),
];

const quiet = createLogger({ stage: 'bench' });
const silent = { ...quiet, info() {}, warn() {}, debug() {}, child: () => silent } as typeof quiet;

async function run(v: Variant, stills: Buffer[], clipJpegs: Buffer[], yunet: Detector, tmp: string, s3: S3rverProcess | null) {
  const root = await mkdtemp(path.join(tmp, 'v-'));
  const keys = await KeyRing.loadOrCreate(path.join(root, 'keys'));
  const store: EvidenceStore = v.s3
    ? new S3EvidenceStore({ endPoint: '127.0.0.1', port: s3!.port, accessKey: 'S3RVER', secretKey: 'S3RVER', bucket: `bench-${path.basename(root).toLowerCase().replace(/[^a-z0-9]/g, '')}`, log: silent })
    : new FsEvidenceStore(path.join(root, 'store'));
  const svc = createEvidenceService({ store, keys, spoolDir: path.join(root, 'spool'), faceDetector: v.redact ? yunet : undefined, log: silent });
  await svc.init();
  const cams = Array.from({ length: v.concurrency }, (_, i) => testCamera(`cam-bench-${i}`));
  let bytes = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    cams.map(async (camera) => {
      while (next < v.bundles) {
        const n = next++;
        const hit = testHit(camera.id, n);
        const frames = framesFor(stills.slice(n % 3, (n % 3) + 3), hit.at);
        const clipFrames = clipJpegs.map((jpeg, i) => ({ capturedAt: hit.at - 2500 + i * 250, jpeg }));
        const r = await svc.seal({ hit, camera, frames, models: MODELS, clip: v.clip, clipFrames });
        if (r.spooled) throw new Error('bundle stayed in the spool');
        bytes += r.bytes;
      }
    }),
  );
  const ms = performance.now() - t0;
  const tv = performance.now();
  const report = await verifyAll(store, keys);
  const verifyMs = performance.now() - tv;
  if (!report.ok) throw new Error(`verify failed: ${JSON.stringify(report.problems.slice(0, 3))}`);
  await svc.stop();
  await rm(root, { recursive: true, force: true });
  return {
    variant: v.name,
    concurrency: v.concurrency,
    bundles: v.bundles,
    bundlesPerSec: (v.bundles * 1000) / ms,
    msPerBundle: ms / v.bundles,
    bytesPerBundle: bytes / v.bundles,
    verifyBundlesPerSec: (v.bundles * 1000) / verifyMs,
  };
}

async function main() {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'huiyan-bench-ev-'));
  const s3 = args['no-s3'] ? null : new S3rverProcess(19002, path.join(tmp, 's3data'));
  const yunet = await loadDetector('yunet', { threads: 1 });
  try {
    if (s3) await s3.start();
    const stills = extractFrames(5, 20, 2);
    const clipJpegs = extractFrames(20, 30, 4);
    const results = [];
    for (const v of variants) {
      const r = await run(v, stills, clipJpegs, yunet, tmp, s3);
      results.push(r);
      process.stderr.write(`${r.variant} c=${r.concurrency}: ${r.bundlesPerSec.toFixed(2)} bundles/s\n`);
    }
    const base = results[1]!.bundlesPerSec;
    const rows = results.map((r) => [
      r.variant.padEnd(27),
      String(r.concurrency).padStart(3),
      String(r.bundles).padStart(7),
      r.bundlesPerSec.toFixed(2).padStart(9),
      r.msPerBundle.toFixed(0).padStart(8),
      (r.bytesPerBundle / 1024).toFixed(0).padStart(10),
      (r.bundlesPerSec / base).toFixed(2).padStart(7),
      r.verifyBundlesPerSec.toFixed(1).padStart(10),
    ].join(' '));
    const header = ['variant'.padEnd(27), '  c', 'bundles', 'bundles/s', 'ms/bndl', 'KiB/bundle', 'vs c=2', 'verify/s'].join(' ');
    const cpus = os.cpus();
    const env = { cpus: cpus.length, cpuModel: cpus[0]?.model, loadavg: os.loadavg(), node: process.version, sharpConcurrency: sharp.concurrency(), date: new Date().toISOString() };
    process.stdout.write(`\nEvidence sealing, vtest.avi 768×576, 3 stills per bundle, clip 20 frames; ${env.cpus} cores (${env.cpuModel}), load ${env.loadavg.map((l) => l.toFixed(1)).join(' ')}\n${header}\n${rows.join('\n')}\n`);
    const out = path.join(PROJECT_ROOT, 'benchmarks/results');
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, 'evidence.json'), JSON.stringify({ env, results }, null, 2) + '\n');
  } finally {
    await yunet.close();
    await s3?.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
