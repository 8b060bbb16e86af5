// Captures the fuzz seed corpus from real traffic: the simulator talks to the server through a
// recording UDP proxy (REGISTER/401/200, keepalive, Catalog, DeviceInfo, INVITE/ACK/BYE), and
// ffmpeg's PS output is cut into packs and RTP packets. Writes test/gb28181/fixtures/corpus.json.
// Run: npx tsx test/gb28181/capture-corpus.ts
import dgram from 'node:dgram';
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Camera } from '../../src/config/schema.ts';
import { parseSipMessage } from '../../src/ingest/gb28181/sip/message.ts';
import { buildRtp } from '../../src/ingest/gb28181/rtp/rtp.ts';
import { CHANNELS, DEVICE_ID, startService, startSim, until } from './helpers.ts';
import { PsSource } from './sim/ps-source.ts';

const SERVER = 15070;
const PROXY = 15071;
const SIM = 15072;

async function main(): Promise<void> {
  const env = await startService(SERVER, { streamTimeoutSeconds: 2 });
  const sip: Buffer[] = [];
  // Proxy: the simulator sends to PROXY; replies from the server are relayed back to SIM.
  const proxy = dgram.createSocket('udp4');
  await new Promise<void>((r) => proxy.bind(PROXY, '127.0.0.1', () => r()));
  proxy.on('message', (b, rinfo) => {
    sip.push(Buffer.from(b));
    proxy.send(b, rinfo.port === SERVER ? SIM : SERVER, '127.0.0.1');
  });
  const sim = await startSim({ localPort: SIM, serverPort: PROXY });
  await sim.register();
  sim.startKeepalives();
  await until('catalog', () => env.svc.server.device(DEVICE_ID)?.channels.length === 2);
  const src = env.svc.createSource(
    Camera.parse({
      id: 'capture', name: 'c', location: { district: 'd', street: 's' },
      source: { kind: 'gb28181', deviceId: DEVICE_ID, channelId: CHANNELS[0].id, transport: 'udp' },
    }),
  );
  src.start();
  await until('a frame', () => src.health().framesTotal > 0, 60_000);
  await src.stop();
  await until('BYE', () => sim.counters.byes > 0);
  await sim.register(0);
  await sim.close();
  proxy.close();
  await env.close();

  // PS packs and RTP packets straight from the simulator's camera.
  const packs: Buffer[] = [];
  const ps = new PsSource({ seconds: 2, onPack: (p) => packs.push(p) });
  ps.start();
  await until('packs', () => packs.length >= 40, 30_000);
  ps.stop();
  const keep = packs.slice(0, 12);
  const rtp: Buffer[] = [];
  let seq = 1000;
  for (const pack of keep.slice(0, 6)) {
    for (let off = 0; off < pack.length; off += 1400) {
      rtp.push(buildRtp({ marker: off + 1400 >= pack.length, payloadType: 96, seq: seq++, timestamp: 90_000 + seq * 3600, ssrc: 102000001 }, pack.subarray(off, off + 1400)));
    }
  }
  const msgs = sip.map((b) => {
    try {
      return parseSipMessage(b);
    } catch {
      return undefined;
    }
  });
  const manscdp = msgs.filter((m) => m && /MANSCDP/i.test(m.headers.find(([k]) => k === 'content-type')?.[1] ?? '')).map((m) => m!.body);
  const sdp = msgs.filter((m) => m && /sdp/i.test(m.headers.find(([k]) => k === 'content-type')?.[1] ?? '')).map((m) => m!.body);
  const uniq = (bs: Buffer[]) => [...new Map(bs.map((b) => [b.toString('base64'), b])).values()];
  const corpus = {
    note: 'Captured by test/gb28181/capture-corpus.ts from the simulator talking to the server; seeds for fuzz.ts.',
    sip: uniq(sip).slice(0, 40).map((b) => b.toString('base64')),
    manscdp: uniq(manscdp).slice(0, 12).map((b) => b.toString('base64')),
    sdp: uniq(sdp).map((b) => b.toString('base64')),
    rtp: rtp.slice(0, 24).map((b) => b.toString('base64')),
    ps: keep.map((b) => b.toString('base64')),
  };
  const out = path.resolve(import.meta.dirname, 'fixtures/corpus.json');
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, JSON.stringify(corpus, null, 1) + '\n');
  console.log(`wrote ${out}: sip ${corpus.sip.length}, manscdp ${corpus.manscdp.length}, sdp ${corpus.sdp.length}, rtp ${corpus.rtp.length}, ps ${corpus.ps.length}`);
}

await main();
