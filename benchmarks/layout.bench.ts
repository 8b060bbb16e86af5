// Thread and process layout for inference: intra-op threads × concurrent sessions per process ×
// inference processes, for YOLOX-nano fp32 and int8 (hot path from bgr24 frames). Every
// configuration runs for the same wall time; configurations are interleaved over rounds so
// load from other processes hits all alike. Prints aggregate samples/s, p50/p99 latency and
// the CPU time per sample; writes benchmarks/results/layout.json.
//
//   npm run bench:layout -- [--models yolox-nano,yolox-nano-int8] [--seconds 8] [--rounds 2] [--max-cores N]
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../src/inference/manifest.ts';
import { percentile } from '../src/util/latency.ts';
import { buildQuantised } from '../tools/quantize/build.ts';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'yolox-nano,yolox-nano-int8' },
    seconds: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '2' },
    'max-cores': { type: 'string', default: String(os.cpus().length) },
  },
});
const cores = Number(values['max-cores']);
const seconds = Number(values.seconds);

interface Layout {
  threads: number;
  sessions: number;
  processes: number;
}
// Every layout that uses between 1 and 2× the cores in threads.
const layouts: Layout[] = [];
for (const processes of [1, 2, 4, 8, 16].filter((p) => p <= cores))
  for (const sessions of [1, 2].filter((s) => s * processes <= cores))
    for (const threads of [1, 2, 4, 8, 16].filter((t) => t * sessions * processes <= 2 * cores && t * sessions * processes >= Math.min(cores, 2) / 2))
      layouts.push({ threads, sessions, processes });

async function runLayout(model: string, l: Layout) {
  const kids = Array.from({ length: l.processes }, () =>
    spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'benchmarks/layout-worker.ts'), '--model', model, '--threads', String(l.threads), '--sessions', String(l.sessions), '--seconds', String(seconds)], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, HUIYAN_LOG_LEVEL: 'warn' },
    }),
  );
  const lines = kids.map((k) => createInterface({ input: k.stdout! })[Symbol.asyncIterator]());
  // Barrier: every process has loaded its sessions and frames before the clock starts.
  for (const it of lines) if ((await it.next()).value !== 'ready') throw new Error(`layout worker failed (${model} ${JSON.stringify(l)})`);
  const start = Date.now() + 300;
  for (const k of kids) k.stdin!.end(`${start}\n`);
  const outs = await Promise.all(
    lines.map(async (it) => {
      const r = await it.next();
      if (r.done) throw new Error(`layout worker failed (${model} ${JSON.stringify(l)})`);
      return JSON.parse(r.value as string) as { samples: number; latencies: number[]; cpuMs: number; rssMb: number };
    }),
  );
  const lat = outs.flatMap((o) => o.latencies).sort((a, b) => a - b);
  const samples = outs.reduce((s, o) => s + o.samples, 0);
  return { samples, latencies: lat, rssMb: outs.reduce((s, o) => s + o.rssMb, 0) };
}

const models = values.models!.split(',');
if (models.some((m) => m.endsWith('-int8'))) await buildQuantised('yolox-nano-int8');
const acc = new Map<string, { samples: number; lat: number[]; rss: number }>();
for (let round = 0; round < Number(values.rounds); round++) {
  for (const l of layouts) {
    for (const model of models) {
      const key = `${model} ${l.threads} ${l.sessions} ${l.processes}`;
      process.stderr.write(`round ${round + 1}: ${key} …\n`);
      const r = await runLayout(model, l);
      const a = acc.get(key) ?? { samples: 0, lat: [], rss: 0 };
      acc.set(key, { samples: a.samples + r.samples, lat: [...a.lat, ...r.latencies], rss: Math.max(a.rss, r.rssMb) });
    }
  }
}
const rounds = Number(values.rounds);
const rows = [...acc.entries()].map(([key, a]) => {
  const [model, threads, sessions, processes] = key.split(' ');
  const lat = a.lat.sort((x, y) => x - y);
  return { model, threads: Number(threads), sessions: Number(sessions), processes: Number(processes), samplesPerS: a.samples / (rounds * seconds), p50Ms: percentile(lat, 50), p99Ms: percentile(lat, 99), rssMb: a.rss };
});
const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
const flags = (cpuinfo.match(/^flags\s*:(.*)$/m)?.[1] ?? '').trim().split(/\s+/).filter((f) => /^(avx|fma|amx)/.test(f)).join(' ');
process.stdout.write(`\ncpu: ${os.cpus()[0]?.model} ×${os.cpus().length}  flags: ${flags}\nload avg at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}  (${rounds} interleaved rounds of ${seconds} s per layout)\n`);
process.stdout.write('| model | intra-op threads | sessions/process | processes | samples/s | p50 ms | p99 ms | RSS MB (all) |\n|---|---|---|---|---|---|---|---|\n');
for (const r of rows) process.stdout.write(`| ${r.model} | ${r.threads} | ${r.sessions} | ${r.processes} | ${r.samplesPerS.toFixed(1)} | ${r.p50Ms.toFixed(1)} | ${r.p99Ms.toFixed(1)} | ${r.rssMb.toFixed(0)} |\n`);
for (const model of models) {
  const best = rows.filter((r) => r.model === model).sort((a, b) => b.samplesPerS - a.samplesPerS)[0]!;
  process.stdout.write(`best for ${model}: ${best.threads} thread(s) × ${best.sessions} session(s) × ${best.processes} process(es): ${best.samplesPerS.toFixed(1)} samples/s\n`);
}
const out = path.join(PROJECT_ROOT, 'benchmarks/results/layout.json');
await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, JSON.stringify({ at: new Date().toISOString(), cpu: os.cpus()[0]?.model, cores: os.cpus().length, flags, loadavg: os.loadavg(), seconds, rounds, rows }, null, 2) + '\n');
