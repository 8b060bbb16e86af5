// `huiyan analyze` (fp32 and int8 YOLOX-nano) against the plain Python + OpenCV-DNN recipe
// (benchmarks/opencv_dnn_yolox.py) on every frame of vtest.avi, same thread count, runs
// alternating so that load from other processes hits all alike. Wall and CPU time per run
// come from /usr/bin/time. Prints medians and ratios; writes benchmarks/results/analyze-vs-opencv.json.
//
//   npm run bench:analyze -- [--rounds 2] [--threads 2] [--max-seconds N]
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../src/inference/manifest.ts';
import { buildQuantised } from '../tools/quantize/build.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    threads: { type: 'string', default: '2' },
    'max-seconds': { type: 'string' },
  },
});
const VTEST = path.resolve(PROJECT_ROOT, '../shared/data/vtest.avi');
const PYTHON = process.env.HUIYAN_PYTHON ?? '/usr/bin/python3';
const limit = values['max-seconds'] ? ['--max-seconds', values['max-seconds']] : [];

/** Wall seconds and CPU seconds (user + system, children included) of one command. */
function timed(cmd: string[]): Promise<{ wall: number; cpu: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn('/usr/bin/time', ['-f', 'TIME %e %U %S', ...cmd], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, HUIYAN_LOG_LEVEL: 'warn' } });
    let err = '';
    p.stderr.on('data', (c: Buffer) => (err += c));
    p.on('close', (code) => {
      const m = err.match(/TIME ([\d.]+) ([\d.]+) ([\d.]+)/);
      if (code !== 0 || !m) return reject(new Error(`${cmd.join(' ')} exited ${code}: ${err.slice(-1500)}`));
      resolve({ wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3]) });
    });
  });
}

await buildQuantised('yolox-nano-int8');
const out = await mkdtemp(path.join(os.tmpdir(), 'huiyan-analyze-bench-'));
const huiyan = (model: string) => [process.execPath, path.join(PROJECT_ROOT, 'bin/huiyan.mjs'), 'analyze', VTEST, '--fps', '10', '--model', model, '--threads', values.threads!, '--out', path.join(out, model), ...limit];
const variants: Record<string, string[]> = {
  'huiyan analyze fp32': huiyan('yolox-nano'),
  'huiyan analyze int8': huiyan('yolox-nano-int8'),
  'Python + OpenCV-DNN': [PYTHON, path.join(PROJECT_ROOT, 'benchmarks/opencv_dnn_yolox.py'), '--video', VTEST, '--threads', values.threads!, ...limit],
};
const runs: Record<string, Array<{ wall: number; cpu: number }>> = {};
try {
  for (let r = 0; r < Number(values.rounds); r++) {
    for (const [name, cmd] of Object.entries(variants)) {
      process.stderr.write(`round ${r + 1}: ${name} …\n`);
      (runs[name] ??= []).push(await timed(cmd));
    }
  }
  const frames = (await readFile(path.join(out, 'yolox-nano', 'detections.jsonl'), 'utf8')).trim().split('\n').length;
  const med = (x: number[]) => [...x].sort((a, b) => a - b)[Math.floor((x.length - 1) / 2)]!;
  const base = med(runs['Python + OpenCV-DNN']!.map((x) => x.wall));
  const baseCpu = med(runs['Python + OpenCV-DNN']!.map((x) => x.cpu));
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const flags = (cpuinfo.match(/^flags\s*:(.*)$/m)?.[1] ?? '').trim().split(/\s+/).filter((f) => /^(avx|fma|amx)/.test(f)).join(' ');
  process.stdout.write(`\n${frames} frames of vtest.avi, threads=${values.threads}, ${values.rounds} alternating rounds; cpu ${os.cpus()[0]?.model} ×${os.cpus().length}; flags: ${flags}; load avg ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  process.stdout.write('| pipeline | wall s (median) | CPU s (median) | speed-up vs Python + OpenCV-DNN (wall) | CPU ratio |\n|---|---|---|---|---|\n');
  for (const [name, r] of Object.entries(runs)) {
    const w = med(r.map((x) => x.wall));
    const c = med(r.map((x) => x.cpu));
    process.stdout.write(`| ${name} | ${w.toFixed(1)} | ${c.toFixed(1)} | ${(base / w).toFixed(2)}× | ${(baseCpu / c).toFixed(2)}× |\n`);
  }
  const file = path.join(PROJECT_ROOT, 'benchmarks/results/analyze-vs-opencv.json');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify({ at: new Date().toISOString(), frames, threads: Number(values.threads), loadavg: os.loadavg(), flags, runs }, null, 2) + '\n');
} finally {
  await rm(out, { recursive: true, force: true });
}
