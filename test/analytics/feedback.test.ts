// Learning from verdicts, measured by replay: a stall alert rejected by an officer does not
// recur when the same footage is replayed at the same place; a rejection of something that
// looks different does not hide it; confirmations strengthen the score.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadDetector } from '../../src/inference/detectors.ts';
import type { Detector } from '../../src/inference/types.ts';
import { compositeStall } from '../../tools/eval/cases.ts';
import { runCase } from '../../tools/eval/runner.ts';
import { BackboneEmbedder } from '../../src/analytics/embedding.ts';
import { JsonFileVerdictStore } from '../../src/analytics/feedback/store.ts';
import { cosine, StoreVerdictFilter } from '../../src/analytics/feedback/filter.ts';
import { normaliseBox } from '../../src/analytics/geometry.ts';
import type { Box } from '../../src/inference/types.ts';
import type { HitEventT } from '../../src/contracts/hit.ts';

let objects: Detector;
let embedder: BackboneEmbedder;
let dir: string;
before(async () => {
  objects = await loadDetector('yolox-nano', { threads: 2 });
  embedder = await BackboneEmbedder.load(2);
  dir = await mkdtemp(path.join(os.tmpdir(), 'huiyan-verdicts-'));
});
after(async () => {
  await objects?.close();
  await embedder?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

// A short stall case: stall from 5 s to 45 s, 15 s dwell, clip played once.
const shortStall = () => compositeStall({ from: 5, to: 45, dwellSeconds: 15, loops: 0 });
// The replay: the same stall on another day — set up 7 s later, so other passers-by and other frames behind it.
const replayStall = () => compositeStall({ from: 12, to: 52, dwellSeconds: 15, loops: 0 });
const verdictOf = (e: HitEventT, verdict: 'confirmed' | 'rejected', embedding = e.embedding) => ({
  hitId: e.hitId, cameraId: e.cameraId, zoneId: e.zoneId, rule: e.rule, verdict,
  box: normaliseBox(e.place.box, 768, 576), embedding, at: e.at,
});

test('a rejected false alert does not recur on replay; an unrelated rejection does not hide it', { timeout: 400_000 }, async () => {
  const file = path.join(dir, 'verdicts.json');
  const store = await JsonFileVerdictStore.open(file);
  const verdicts = new StoreVerdictFilter(store);

  const first = await runCase(shortStall(), { objects }, { embedder, verdicts });
  const opened = first.events.filter((e) => e.event === 'opened');
  assert.equal(opened.length, 1);
  assert.ok(opened[0]!.embedding && opened[0]!.embedding.length > 100, 'the hit carries an appearance embedding');

  // A rejection of something different at the same place (the embedding of an empty pavement crop) ...
  const other = opened[0]!.embedding!.map((v, i) => (i % 2 ? v : -v));
  await store.add(verdictOf(opened[0]!, 'rejected', other));
  const stillThere = await runCase(replayStall(), { objects }, { embedder, verdicts: new StoreVerdictFilter(await JsonFileVerdictStore.open(file)) });
  assert.equal(stillThere.opened, 1, 'a dissimilar rejection must not suppress');
  const replayed = stillThere.events.find((e) => e.event === 'opened')!;
  const sim = cosine(replayed.embedding!, opened[0]!.embedding!);
  console.log(`replayed hit vs first hit: cosine ${sim.toFixed(4)} (threshold ${verdicts.opts.similarity}); vs the dissimilar rejection: ${cosine(replayed.embedding!, other).toFixed(4)}`);

  // ... then the officer rejects the real alert; the store is reopened from disk, as after a restart.
  await store.add(verdictOf(opened[0]!, 'rejected'));
  const replay = await runCase(replayStall(), { objects }, { embedder, verdicts: new StoreVerdictFilter(await JsonFileVerdictStore.open(file)) });
  assert.equal(replay.opened, 0, 'the rejected alert recurred');
  console.log(`replay after rejection: ${replay.opened} alerts (before: ${first.opened})`);
});

test('confirmations of similar hits at the place strengthen the score', { timeout: 400_000 }, async () => {
  const store = await JsonFileVerdictStore.open(path.join(dir, 'confirm.json'));
  const base = await runCase(shortStall(), { objects }, { embedder, verdicts: new StoreVerdictFilter(store) });
  const o = base.events.find((e) => e.event === 'opened')!;
  await store.add(verdictOf(o, 'confirmed'));
  const again = await runCase(replayStall(), { objects }, { embedder, verdicts: new StoreVerdictFilter(store) });
  const o2 = again.events.find((e) => e.event === 'opened')!;
  assert.ok(o2, 'a confirmed look-alike still alerts');
  assert.ok(o2.score > o.score, `score ${o2.score} should exceed ${o.score}`);
  assert.equal(o2.verdictBoost, 0.05);
});
