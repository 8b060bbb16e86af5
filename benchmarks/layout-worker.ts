// One process of the thread/process layout benchmark (benchmarks/layout.bench.ts): opens
// `sessions` detectors of `model` with `threads` intra-op threads each, prints `ready`, reads
// the start time (epoch ms, shared by all processes of a configuration) from stdin, runs each
// detector's hot path on vtest frames back to back until `start + seconds`, prints one JSON line.
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { sampleFile } from '../src/ingest/sample-file.ts';
import { loadDetector } from '../src/inference/detectors.ts';
import { scaleToFit } from '../src/inference/image.ts';
import { PROJECT_ROOT } from '../src/inference/manifest.ts';
import type { BgrImage } from '../src/ingest/types.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'yolox-nano' },
    threads: { type: 'string', default: '1' },
    sessions: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '8' },
  },
});
const fit = scaleToFit(768, 576, 416, 416);
const frames: BgrImage[] = [];
for await (const f of sampleFile(path.resolve(PROJECT_ROOT, '../shared/data/vtest.avi'), { fps: 1, width: fit.width, height: fit.height, maxSeconds: 10 })) frames.push(f.image);
const dets = [];
for (let i = 0; i < Number(values.sessions); i++) dets.push(await loadDetector(values.model!, { threads: Number(values.threads) }));
for (const d of dets) await d.detect(frames[0]!, fit.scale); // warm up
process.stdout.write('ready\n');
const start = Number((await createInterface({ input: process.stdin })[Symbol.asyncIterator]().next()).value);
await new Promise((r) => setTimeout(r, Math.max(0, start - Date.now())));
const end = start + Number(values.seconds) * 1000;
const latencies: number[] = [];
await Promise.all(
  dets.map(async (d, k) => {
    for (let i = k; Date.now() < end; i++) {
      const t0 = performance.now();
      await d.detect(frames[i % frames.length]!, fit.scale);
      latencies.push(performance.now() - t0);
    }
  }),
);
const cpu = process.cpuUsage();
process.stdout.write(JSON.stringify({ samples: latencies.length, latencies, cpuMs: (cpu.user + cpu.system) / 1000, rssMb: process.memoryUsage().rss / 2 ** 20 }) + '\n');
for (const d of dets) await d.close();
