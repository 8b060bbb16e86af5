// GB28181 figures: (1) the receive path (RTP parse → reorder → PS scan) in packets/s and as a
// multiple of one camera's bitrate, in order and with 10 % of packets swapped; (2) INVITE → first
// decoded frame over UDP, TCP passive and TCP active media (simulator on loopback).
// Run: HUIYAN_LOG_LEVEL=error npx tsx benchmarks/gb28181.bench.ts   → table on stdout, benchmarks/results/gb28181.json
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildRtp, parseRtp } from '../src/ingest/gb28181/rtp/rtp.ts';
import { ReorderBuffer } from '../src/ingest/gb28181/rtp/reorder.ts';
import { PsScanner } from '../src/ingest/gb28181/rtp/ps-scanner.ts';
import { Camera } from '../src/config/schema.ts';
import { VTEST, withPsm } from '../test/gb28181/sim/ps-source.ts';
import { CHANNELS, DEVICE_ID, startService, startSim, until } from '../test/gb28181/helpers.ts';

function psPacks(seconds: number): Buffer[] {
  const ps = execFileSync('ffmpeg', ['-v', 'error', '-t', String(seconds), '-i', VTEST, '-an', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-bf', '0', '-f', 'vob', 'pipe:1'], { maxBuffer: 512 * 2 ** 20 });
  const marker = Buffer.from([0, 0, 1, 0xba]);
  const packs: Buffer[] = [];
  for (let at = ps.indexOf(marker); at >= 0; ) {
    const next = ps.indexOf(marker, at + 4);
    packs.push(ps.subarray(at, next < 0 ? ps.length : next));
    at = next;
  }
  packs[0] = withPsm(packs[0], 0xe2);
  return packs;
}

function receivePath(pkts: Buffer[], swapEvery: number): { pps: number; mbps: number } {
  const order = pkts.slice();
  if (swapEvery) for (let i = 0; i + 1 < order.length; i += swapEvery) [order[i], order[i + 1]] = [order[i + 1], order[i]];
  const rounds = 20;
  let bytes = 0;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    const scan = new PsScanner();
    const rb = new ReorderBuffer((p) => scan.push(p.payload), 128, 200);
    for (const b of order) {
      const p = parseRtp(b);
      if (p) rb.push(p, 0);
      bytes += b.length;
    }
  }
  const s = (performance.now() - t0) / 1000;
  return { pps: (order.length * rounds) / s, mbps: (bytes * 8) / s / 1e6 };
}

async function firstFrame(transport: 'udp' | 'tcp-passive' | 'tcp-active', runs: number): Promise<number[]> {
  const env = await startService(15076, {});
  const sim = await startSim({ localPort: 15077, serverPort: 15076, tcpActivePort: 30451 });
  const out: number[] = [];
  try {
    await sim.register();
    sim.startKeepalives();
    await until('channels', () => env.svc.server.device(DEVICE_ID)?.channels.length === 2);
    for (let i = 0; i < runs; i++) {
      const src = env.svc.createSource(Camera.parse({
        id: `bench-${transport}`, name: 'b', location: { district: 'd', street: 's' },
        source: { kind: 'gb28181', deviceId: DEVICE_ID, channelId: CHANNELS[0].id, transport },
        sampling: { fps: 5, keyframesOnly: false },
      }));
      const t0 = performance.now();
      src.start();
      await until('first frame', () => src.health().framesTotal > 0, 60_000);
      out.push(performance.now() - t0);
      await src.stop();
    }
  } finally {
    await sim.close();
    await env.close();
  }
  return out;
}

const seconds = 30;
const packs = psPacks(seconds);
let seq = 0;
const pkts: Buffer[] = [];
for (const pack of packs) {
  for (let o = 0; o < pack.length; o += 1400) pkts.push(buildRtp({ marker: o + 1400 >= pack.length, payloadType: 96, seq: seq++ & 0xffff, timestamp: seq * 90, ssrc: 1 }, pack.subarray(o, o + 1400)));
}
const streamMbps = (pkts.reduce((a, b) => a + b.length, 0) * 8) / seconds / 1e6;
receivePath(pkts, 0); // JIT warm-up
const inOrder = receivePath(pkts, 0);
const swapped = receivePath(pkts, 10);
const median = (a: number[]) => a.slice().sort((x, y) => x - y)[Math.floor(a.length / 2)];
const latency: Record<string, number[]> = {};
for (const t of ['udp', 'tcp-passive', 'tcp-active'] as const) latency[t] = await firstFrame(t, 3);

console.log(`vtest 768x576 H.264 (x264 ultrafast, GOP 10) in PS: ${pkts.length} RTP packets in ${seconds} s, ${streamMbps.toFixed(2)} Mbit/s`);
console.log('receive path (parse → reorder → PS scan), one core, no socket I/O, no decode:');
console.log(`  in order        ${Math.round(inOrder.pps).toLocaleString('en')} packets/s  ${inOrder.mbps.toFixed(0)} Mbit/s  = ${(inOrder.mbps / streamMbps).toFixed(0)}× one camera`);
console.log(`  10 % swapped    ${Math.round(swapped.pps).toLocaleString('en')} packets/s  ${swapped.mbps.toFixed(0)} Mbit/s  = ${(swapped.mbps / streamMbps).toFixed(0)}× one camera`);
console.log('INVITE → first decoded frame (ms, 3 runs, simulator ffmpeg start included):');
for (const [t, v] of Object.entries(latency)) console.log(`  ${t.padEnd(12)} median ${median(v).toFixed(0)}  runs ${v.map((x) => x.toFixed(0)).join(', ')}`);
const out = path.resolve(import.meta.dirname, 'results/gb28181.json');
await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, JSON.stringify({ at: new Date().toISOString(), streamMbps, inOrder, swapped, latencyMs: latency }, null, 1));
