// A short run of the fuzzer (the full ≥100,000-input run is `npm run fuzz:gb28181`).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFuzz, exercise, loadCorpus } from './fuzz-lib.ts';
import { fuzzServer } from './fuzz.ts';
import type { Gb28181Server } from '../../src/ingest/gb28181/server.ts';

let server: Gb28181Server | undefined;
after(async () => {
  await server?.stop();
});

test('every seed of the captured corpus is accepted unmutated (the corpus is real traffic)', async () => {
  server = await fuzzServer(15074);
  const c = loadCorpus();
  const r = () => 0.5;
  for (const b of c.sip) assert.equal(exercise('sip', b, r), true, b.toString('latin1').slice(0, 80));
  for (const b of c.manscdp) assert.equal(exercise('manscdp', b, r), true, b.toString('latin1').slice(0, 120));
  for (const b of c.rtp) assert.equal(exercise('rtp', b, r), true);
  assert.equal(exercise('ps', Buffer.concat(c.ps), r), true);
});

test('4,000 mutated inputs: no crash, bounded heap', async () => {
  // A fresh seed each run widens coverage over time; a failure prints it for `--seed` replay.
  const seed = Date.now() % 1_000_000;
  const report = await runFuzz(4000, seed, server!);
  assert.deepEqual(report.crashes, [], `seed ${seed}: ${JSON.stringify(report.crashes.slice(0, 3))}`);
  assert.ok(report.heapEndMb - report.heapStartMb < 64, `heap grew ${report.heapStartMb} → ${report.heapEndMb} MB`);
});
