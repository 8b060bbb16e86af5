// npm run fuzz:gb28181 [-- --iterations N --seed S]
// ≥ 100,000 mutated real messages through every parser and the live server's request handling.
// Prints a table and writes benchmarks/results/gb28181-fuzz.json; exit code 1 on any crash.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Gb28181Server } from '../../src/ingest/gb28181/server.ts';
import { Gb28181Config } from '../../src/ingest/gb28181/config.ts';
import { MemoryDeviceStore } from '../../src/ingest/gb28181/store.ts';
import { runFuzz } from './fuzz-lib.ts';
import { DEVICE_ID, PASSWORD } from './helpers.ts';
import type { Logger } from '../../src/util/log.ts';

function silentLogger(): Logger {
  const none = () => undefined;
  return { debug: none, info: none, warn: none, error: none, child: () => silentLogger() };
}


export async function fuzzServer(port: number): Promise<Gb28181Server> {
  // A high rate limit so mutated REGISTERs reach the digest checks instead of a 503.
  const cfg = Gb28181Config.parse({ sipPort: port, listenHost: '127.0.0.1', registerPerMinute: 1e9, devices: [{ id: DEVICE_ID, password: PASSWORD }] });
  const store = new MemoryDeviceStore();
  // The device is registered from 127.0.0.1, so mutated MESSAGEs reach the MANSCDP handling.
  const now = Date.now();
  await store.put({ deviceId: DEVICE_ID, online: true, transport: 'udp', address: '127.0.0.1', port: 9, registeredAt: now, expiresAt: now + 3.6e6, lastKeepaliveAt: now, channels: [] });
  const server = new Gb28181Server(cfg, store, silentLogger());
  await server.start();
  const dev = server.device(DEVICE_ID)!;
  dev.online = true;
  server.on('malformed', () => undefined);
  return server;
}

if (process.argv[1]?.endsWith('fuzz.ts')) {
  const { values } = parseArgs({ options: { iterations: { type: 'string', default: '100000' }, seed: { type: 'string', default: '28181' } } });
  const server = await fuzzServer(15073);
  const iterations = Number(values.iterations);
  const report = await runFuzz(iterations, Number(values.seed), server, (i) => process.stderr.write(`\r${i} / ${iterations}`));
  process.stderr.write('\n');
  // Accepted = parsed as well-formed: shows the mutations reach past the first checks.
  await server.stop();
  console.log(`GB28181 fuzz: ${report.iterations} inputs, seed ${report.seed}, ${(report.ms / 1000).toFixed(1)} s, ${report.crashes.length} crashes`);
  console.log(`heap ${report.heapStartMb.toFixed(1)} MB → ${report.heapEndMb.toFixed(1)} MB`);
  console.log('target       inputs   accepted   slowest input (ms)');
  for (const [t, s] of Object.entries(report.perTarget)) {
    console.log(`${t.padEnd(12)} ${String(s.inputs).padStart(7)}   ${((100 * s.accepted) / s.inputs).toFixed(1).padStart(6)} %   ${s.maxMs.toFixed(2)}`);
  }
  for (const c of report.crashes.slice(0, 5)) console.log(`CRASH ${c.target} #${c.iteration}: ${c.error}`);
  const out = path.resolve(import.meta.dirname, '../../benchmarks/results/gb28181-fuzz.json');
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, JSON.stringify({ ...report, node: process.version, at: new Date().toISOString() }, null, 1));
  process.exit(report.crashes.length ? 1 : 0);
}
