// One step of bench:capacity: the detection unit the appliance and the detector worker run
// (src/app/detection.ts: cameras → scheduler → analytics → hit outbox) over the cameras of
// HUIYAN_STREAMS_CONFIG for a fixed time, then one JSON line on stdout:
//   { samples, dropped, failed, askedPerS, seconds, cpuS, rssMb, lagP50Ms, lagP99Ms, alertMs[], models }
// samples/dropped/failed count only the measuring window (after --warmup s); cpuS is this
// process plus its ffmpeg children; rssMb the peak of both, sampled every second; alertMs, per
// vending camera, the time from the stall's first frame + its dwell to the hit opening.
//
//   node --import tsx benchmarks/capacity-worker.ts --seconds 60 --warmup 15 --stall-from 3 --dwell 8
import { readdir, readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startDetection } from '../src/app/detection.ts';
import { openCaseStore } from '../src/cases/index.ts';
import type { HitEventT } from '../src/contracts/hit.ts';
import type { Frame } from '../src/ingest/types.ts';
import { createLogger } from '../src/util/log.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '15' },
    'stall-from': { type: 'string', default: '3' },
    dwell: { type: 'string', default: '8' },
    pglite: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);

/** utime + stime (s) and RSS (MB) of one process from /proc (Linux; proc(5)). */
async function procStat(pid: number | 'self'): Promise<{ cpuS: number; childCpuS: number; rssMb: number; ppid: number } | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!stat) return undefined;
  // Fields after the command name (which may hold spaces) start at field 3.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const tick = 100; // sysconf(_SC_CLK_TCK) on Linux x86-64
  return {
    ppid: Number(f[1]),
    cpuS: (Number(f[11]) + Number(f[12])) / tick,
    childCpuS: (Number(f[13]) + Number(f[14])) / tick,
    rssMb: (Number(f[21]) * 4096) / 2 ** 20,
  };
}

/** This process and its live children (ffmpeg samplers): CPU seconds so far and RSS now. */
async function tree(): Promise<{ cpuS: number; rssMb: number }> {
  const self = (await procStat('self'))!;
  let cpuS = self.cpuS + self.childCpuS;
  let rssMb = self.rssMb;
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = await procStat(Number(name));
    if (s?.ppid === process.pid) {
      cpuS += s.cpuS;
      rssMb += s.rssMb;
    }
  }
  return { cpuS, rssMb };
}

const log = createLogger({ stage: 'bench' });
const store = await openCaseStore({ pgliteDir: values.pglite! });
const detection = await startDetection({ env: process.env, store, log });
const cameras = detection.cameras.cameras();
const vending = new Set(cameras.filter((c) => c.rules.includes('vending')).map((c) => c.id));
const firstFrame = new Map<string, number>();
detection.cameras.on('frame', (f: Frame) => {
  if (!firstFrame.has(f.cameraId)) firstFrame.set(f.cameraId, f.capturedAt);
});
const alertMs: number[] = [];
const stallFromMs = Number(values['stall-from']) * 1000;
const dwellMs = Number(values.dwell) * 1000;
detection.pipeline.on('hit', (ev: HitEventT) => {
  const t0 = firstFrame.get(ev.cameraId);
  if (ev.event === 'opened' && vending.has(ev.cameraId) && t0 !== undefined) alertMs.push(Date.now() - (t0 + stallFromMs + dwellMs));
});

const counts = () => Object.values(detection.pipeline.health()).reduce((a, s) => ({ samples: a.samples + s.samples, dropped: a.dropped + s.dropped, failed: a.failed + s.failed }), { samples: 0, dropped: 0, failed: 0 });
let peakRss = 0;
const sampler = setInterval(() => void tree().then((t) => (peakRss = Math.max(peakRss, t.rssMb))), 1000);
await new Promise((r) => setTimeout(r, warmup * 1000));
const c0 = counts();
const t0 = await tree();
await new Promise((r) => setTimeout(r, (seconds - warmup) * 1000));
const c1 = counts();
const t1 = await tree();
clearInterval(sampler);
const health = Object.values(detection.pipeline.health());
const asked = cameras.reduce((s, c) => s + c.sampling.fps, 0);
process.stdout.write(JSON.stringify({
  seconds: seconds - warmup,
  askedPerS: asked,
  samples: c1.samples - c0.samples,
  dropped: c1.dropped - c0.dropped,
  failed: c1.failed - c0.failed,
  cpuS: t1.cpuS - t0.cpuS,
  rssMb: Math.max(peakRss, t1.rssMb),
  // The worst camera's recent window: capacity holds only if every camera keeps up.
  lagP50Ms: Math.max(...health.map((h) => h.lagMs.p50)),
  lagP99Ms: Math.max(...health.map((h) => h.lagMs.p99)),
  alertMs,
  // Where the lag goes: per model, p50 of the run alone and of queue wait + run (ms).
  models: Object.fromEntries(Object.entries(detection.scheduler.stats().models).map(([id, m]) => [id, { detectP50Ms: m.detectMs.p50, totalP50Ms: m.totalMs.p50 }])),
}) + '\n');
await detection.stop();
await store.close();
process.exit(0);
