// Cameras per box: the detection unit of the appliance (benchmarks/capacity-worker.ts, one
// process per step) with N file cameras played in real time at 1 sample/s — half of them a
// vendor stall (vending rule), half a poster with phone numbers (ads rule: text detection on
// the full picture) — N stepped up until a camera no longer keeps up. Per N: CPU and RSS per
// camera, samples/s achieved vs asked, dropped samples, the worst camera's sample lag
// (capture → analysed, p50/p99), and alert latency beyond the dwell (vending cameras).
// "Holds" = ≥ 95 % of the asked samples analysed and p99 lag ≤ 2 s. Same footage, same steps
// for each model; the largest N that holds is printed per model.
//
//   npm run bench:capacity -- [--models yolox-nano,yolox-nano-int8] [--steps 1,2,4,6,8,10]
//                             [--seconds 60] [--warmup 15] [--threads 2]
// Needs Redis (HUIYAN_REDIS_URL, default 127.0.0.1:6379); hits go to a private queue prefix
// that is removed afterwards.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { PROJECT_ROOT } from '../src/inference/manifest.ts';
import { percentile } from '../src/util/latency.ts';
import { compositePoster, compositeStall, type EvalCase } from '../tools/eval/cases.ts';
import { renderCase } from '../tools/eval/footage.ts';
import { buildQuantised } from '../tools/quantize/build.ts';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'yolox-nano,yolox-nano-int8' },
    steps: { type: 'string', default: '1,2,4,6,8,10,12' },
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '15' },
    threads: { type: 'string', default: process.env.HUIYAN_THREADS ?? '2' },
  },
});
const STALL_FROM = 3;
const DWELL = 8;
const redisUrl = process.env.HUIYAN_REDIS_URL ?? 'redis://127.0.0.1:6379';

const cache = path.join(os.tmpdir(), 'huiyan-bench-footage-v1');
const stall = compositeStall({ from: STALL_FROM, to: 150, dwellSeconds: DWELL });
const poster = compositePoster();
const footage = {
  stall: await renderCase(stall, path.join(cache, 'stall.mp4'), 2),
  poster: await renderCase(poster, path.join(cache, 'poster.mp4'), 1),
};

/** N cameras alternating stall / poster, each with the composite's own zones. */
function cameras(n: number, model: string) {
  return Array.from({ length: n }, (_, i) => {
    const c: EvalCase = i % 2 === 0 ? stall : poster;
    const { id: _i, name: _n, source: _s, sampling: _f, models, ...rest } = c.camera;
    return {
      ...rest,
      id: `cap-${i}`,
      name: `capacity ${i}`,
      source: { kind: 'file', path: i % 2 === 0 ? footage.stall : footage.poster, loop: true, realtime: true },
      sampling: { fps: 1, keyframesOnly: false },
      models: { ...models, detector: model },
    };
  });
}

interface Step { seconds: number; askedPerS: number; samples: number; dropped: number; failed: number; cpuS: number; rssMb: number; lagP50Ms: number; lagP99Ms: number; alertMs: number[] }

async function runStep(model: string, n: number): Promise<Step> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'huiyan-capacity-'));
  const prefix = `huiyan-capacity-${process.pid}-${n}`;
  try {
    await mkdir(path.join(dir, 'streams'));
    await writeFile(path.join(dir, 'streams', 'cameras.yaml'), stringify({ cameras: cameras(n, model) }));
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'benchmarks/capacity-worker.ts'),
      '--seconds', values.seconds!, '--warmup', values.warmup!, '--stall-from', String(STALL_FROM), '--dwell', String(DWELL), '--pglite', path.join(dir, 'pglite')], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, HUIYAN_LOG_LEVEL: 'error', HUIYAN_STREAMS_CONFIG: path.join(dir, 'streams'), HUIYAN_HIT_SPOOL: path.join(dir, 'spool'), HUIYAN_QUEUE_PREFIX: prefix, HUIYAN_REDIS_URL: redisUrl, HUIYAN_THREADS: values.threads },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('close', r));
    const line = out.trim().split('\n').at(-1);
    if (code !== 0 || !line) throw new Error(`capacity worker (${model}, ${n} cameras) exited ${code}`);
    return JSON.parse(line) as Step;
  } finally {
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
  }
}

const models = values.models!.split(',');
for (const m of models) if (m.endsWith('-int8')) await buildQuantised(m);
const steps = values.steps!.split(',').map(Number);
const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
const flags = (cpuinfo.match(/^flags\s*:(.*)$/m)?.[1] ?? '').trim().split(/\s+/).filter((f) => /^(avx|fma|amx)/.test(f)).join(' ');
process.stdout.write(`cpu: ${os.cpus()[0]?.model} ×${os.cpus().length}  flags: ${flags}\n`);
process.stdout.write(`load avg at the start: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; ${values.seconds} s per step (${values.warmup} s warm-up not counted), HUIYAN_THREADS=${values.threads}\n\n`);
process.stdout.write('| model | cameras | samples/s (asked) | kept | dropped | CPU per camera | RSS per camera MB | lag p50 / p99 ms | alert beyond dwell p50 / p99 ms | holds |\n|---|---|---|---|---|---|---|---|---|---|\n');
const largest = new Map<string, number>();
for (const model of models) {
  largest.set(model, 0);
  for (const n of steps) {
    const s = await runStep(model, n);
    const achieved = s.samples / s.seconds;
    const kept = achieved / s.askedPerS;
    const alerts = [...s.alertMs].sort((a, b) => a - b);
    const holds = kept >= 0.95 && s.lagP99Ms <= 2000;
    process.stdout.write(`| ${model} | ${n} | ${achieved.toFixed(2)} (${s.askedPerS}) | ${(kept * 100).toFixed(0)} % | ${s.dropped} | ${((s.cpuS / s.seconds / n) * 100).toFixed(0)} % of a core | ${(s.rssMb / n).toFixed(0)} | ${s.lagP50Ms.toFixed(0)} / ${s.lagP99Ms.toFixed(0)} | ${alerts.length ? `${percentile(alerts, 50).toFixed(0)} / ${percentile(alerts, 99).toFixed(0)}` : '–'} | ${holds ? 'yes' : 'no'} |\n`);
    if (!holds) break;
    largest.set(model, n);
  }
}
process.stdout.write(`\nload avg at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
for (const [model, n] of largest) process.stdout.write(`largest camera count that holds 1 sample/s with p99 lag ≤ 2 s, ${model}: ${n}\n`);
