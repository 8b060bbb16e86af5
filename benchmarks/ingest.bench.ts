// npm run bench:ingest — CPU and RSS per camera at 1 sample/s, keyframe-only versus full
// decode, for 8, 16 and 32 cameras. Each camera is a looping real-time file source of vtest.avi
// re-encoded as H.264 768×576, 10 fps, keyframe every 10 frames (1 s = the sample interval,
// so keyframe-only decoding still yields 1 sample/s). Writes benchmarks/results/ingest.json.
import { execFileSync, execSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Camera } from '../src/config/schema.ts';
import { createSource } from '../src/ingest/sources.ts';
import type { FfmpegSource } from '../src/ingest/ffmpeg-source.ts';
import { PROJECT_ROOT } from '../src/inference/manifest.ts';
import { createLogger } from '../src/util/log.ts';

const COUNTS = (process.env.BENCH_CAMERAS ?? '8,16,32').split(',').map(Number);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 8000);
const MEASURE_MS = Number(process.env.BENCH_MEASURE_MS ?? 12000);
const CLK_TCK = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;
const quiet = createLogger({ bench: 'ingest' });

function procCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK; // utime + stime
  } catch {
    return 0;
  }
}

/** RSS counts shared library pages in every process; PSS divides them among the sharers. */
function procMemMiB(pid: number): { rss: number; pss: number } {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    return { rss: kb('Rss') / 1024, pss: kb('Pss') / 1024 };
  } catch {
    return { rss: 0, pss: 0 };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Row {
  cameras: number;
  mode: 'keyframes-only' | 'full-decode';
  cpuPercentPerCamera: number;
  ffmpegRssMiBPerCamera: number;
  ffmpegPssMiBPerCamera: number;
  nodeCpuPercentPerCamera: number;
  nodeRssMiB: number;
  samplesPerSecondPerCamera: number;
  /** ffmpeg CPU time per delivered sample: fair when a mode delivered fewer samples. */
  cpuMsPerSample: number;
  jpegKiB: number;
}

async function run(media: string, cameras: number, keyframesOnly: boolean): Promise<Row> {
  const sources: FfmpegSource[] = [];
  let frames = 0;
  let jpegBytes = 0;
  for (let i = 0; i < cameras; i++) {
    const cam = Camera.parse({
      id: `bench-${i}`, name: 'bench', location: { district: 'd', street: 's' },
      source: { kind: 'file', path: media, loop: true, realtime: true }, sampling: { fps: 1, keyframesOnly },
    });
    const s = createSource(cam, { log: quiet }) as FfmpegSource;
    s.on('frame', (f) => {
      frames++;
      jpegBytes += f.jpeg.length;
    });
    s.start();
    sources.push(s);
  }
  await sleep(WARMUP_MS);
  const pids = sources.map((s) => s.health().pid).filter((p): p is number => !!p);
  const cpu0 = pids.map(procCpuSeconds);
  const node0 = process.cpuUsage();
  const frames0 = frames;
  const jpeg0 = jpegBytes;
  const t0 = Date.now();
  await sleep(MEASURE_MS);
  const wall = (Date.now() - t0) / 1000;
  const cpu = pids.reduce((s, pid, i) => s + procCpuSeconds(pid) - cpu0[i]!, 0);
  const node = process.cpuUsage(node0);
  const mem = pids.map(procMemMiB);
  const rss = mem.reduce((s, m) => s + m.rss, 0);
  const pss = mem.reduce((s, m) => s + m.pss, 0);
  const n = frames - frames0;
  const row: Row = {
    cameras,
    mode: keyframesOnly ? 'keyframes-only' : 'full-decode',
    cpuPercentPerCamera: (100 * cpu) / wall / cameras,
    ffmpegRssMiBPerCamera: rss / Math.max(1, pids.length),
    ffmpegPssMiBPerCamera: pss / Math.max(1, pids.length),
    nodeCpuPercentPerCamera: (100 * (node.user + node.system)) / 1e6 / wall / cameras,
    nodeRssMiB: process.memoryUsage().rss / 2 ** 20,
    samplesPerSecondPerCamera: n / wall / cameras,
    cpuMsPerSample: n ? (1000 * cpu) / n : 0,
    jpegKiB: n ? (jpegBytes - jpeg0) / n / 1024 : 0,
  };
  await Promise.all(sources.map((s) => s.stop()));
  return row;
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'huiyan-bench-ingest-'));
try {
  const media = path.join(tmp, 'vtest-h264-gop10.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-i', path.join(PROJECT_ROOT, '../shared/data/vtest.avi'), '-an', '-c:v', 'libx264',
    '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '10', '-keyint_min', '10', '-sc_threshold', '0', '-y', media]);
  const rows: Row[] = [];
  for (const cameras of COUNTS) {
    for (const kf of [true, false]) {
      const row = await run(media, cameras, kf);
      rows.push(row);
      console.log(`${cameras} cameras, ${row.mode}: ${row.cpuPercentPerCamera.toFixed(2)} % CPU/camera (ffmpeg), ${row.ffmpegRssMiBPerCamera.toFixed(1)} MiB RSS (${row.ffmpegPssMiBPerCamera.toFixed(1)} PSS)/camera, ${row.samplesPerSecondPerCamera.toFixed(2)} samples/s/camera`);
    }
  }
  console.log('\n| cameras | mode | ffmpeg CPU %/camera | ffmpeg RSS MiB/camera | ffmpeg PSS MiB/camera | node CPU %/camera | node RSS MiB | samples/s/camera | ffmpeg CPU ms/sample | JPEG KiB |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.cameras} | ${r.mode} | ${r.cpuPercentPerCamera.toFixed(2)} | ${r.ffmpegRssMiBPerCamera.toFixed(1)} | ${r.ffmpegPssMiBPerCamera.toFixed(1)} | ${r.nodeCpuPercentPerCamera.toFixed(2)} | ${r.nodeRssMiB.toFixed(0)} | ${r.samplesPerSecondPerCamera.toFixed(2)} | ${r.cpuMsPerSample.toFixed(1)} | ${r.jpegKiB.toFixed(0)} |`);
  }
  console.log('\nfull-decode / keyframes-only CPU ratio:');
  for (const cameras of COUNTS) {
    const k = rows.find((r) => r.cameras === cameras && r.mode === 'keyframes-only')!;
    const f = rows.find((r) => r.cameras === cameras && r.mode === 'full-decode')!;
    console.log(`  ${cameras} cameras: ${(f.cpuPercentPerCamera / k.cpuPercentPerCamera).toFixed(2)}× per camera, ${(f.cpuMsPerSample / k.cpuMsPerSample).toFixed(2)}× per sample`);
  }
  const outDir = path.join(PROJECT_ROOT, 'benchmarks/results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'ingest.json'), JSON.stringify({ at: new Date().toISOString(), cpus: os.cpus().length, clkTck: CLK_TCK, warmupMs: WARMUP_MS, measureMs: MEASURE_MS, rows }, null, 2));
  console.log(`\nwrote ${path.join(outDir, 'ingest.json')}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
