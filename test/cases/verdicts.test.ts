// An officer's rejection, made as a case transition in real PostgreSQL, is what analytics
// consults: rejected as "not a violation" → the same look-alike at the same place raises no
// new hit; rejected as "duplicate" or "image unusable" → it is raised again. Real overflow
// classifier and real backbone embeddings on a real photo.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AnalyticsEngine } from '../../src/analytics/engine.ts';
import { BASE_TIME, DATA } from '../../tools/eval/cases.ts';
import { BackboneEmbedder } from '../../src/analytics/embedding.ts';
import { StoreVerdictFilter } from '../../src/analytics/feedback/filter.ts';
import type { HitEventT } from '../../src/contracts/hit.ts';
import { OverflowClassifier } from '../../src/analytics/overflow/classifier.ts';
import { openCaseStore, type CaseStore } from '../../src/cases/index.ts';
import type { RejectReasonT } from '../../src/cases/lifecycle.ts';
import { CaseVerdictStore } from '../../src/cases/verdicts.ts';
import { Camera } from '../../src/config/schema.ts';
import { readImageBgr, type BgrImage } from '../../src/inference/image.ts';
import { createSchema, freshSchemaName, PG_URL } from './stores.ts';

let classifier: OverflowClassifier;
let embedder: BackboneEmbedder;
let store: CaseStore;
let drop: () => Promise<void>;
let image: BgrImage;
before(async () => {
  classifier = await OverflowClassifier.load();
  embedder = await BackboneEmbedder.load(2);
  const schema = freshSchemaName('verdicts');
  drop = await createSchema(schema);
  store = await openCaseStore({ url: PG_URL, schema });
  image = await readImageBgr(await readFile(path.join(DATA, 'overflow/train/dirty/dirty_0003.jpg')));
});
after(async () => {
  await store?.close();
  await drop?.();
  await classifier?.close();
  await embedder?.close();
});

const camera = (id: string) =>
  Camera.parse({
    id, name: id, location: { district: '徐汇区', street: '漕河泾街道' }, source: { kind: 'file', path: 'eval' }, rules: ['overflow'],
    zones: [{ id: 'bin', type: 'bin-point', polygon: [[0.1, 0.1], [0.9, 0.1], [0.9, 0.9], [0.1, 0.9]], dwellSeconds: 2 }],
  });

/** The same picture for a few seconds through a fresh engine that consults the case store's verdicts. */
async function replay(cameraId: string, startAt: number): Promise<{ opened: HitEventT[]; suppressed: number }> {
  const engine = new AnalyticsEngine(camera(cameraId), { overflow: classifier, embedder, verdicts: new StoreVerdictFilter(new CaseVerdictStore(store.db)) });
  const opened: HitEventT[] = [];
  for (let t = 0; t <= 4; t++) {
    opened.push(...(await engine.process({ frameTime: startAt + t * 1000, detections: [], image })).filter((e) => e.event === 'opened'));
  }
  return { opened, suppressed: engine.stats.suppressedByVerdict };
}

async function caseRejected(hit: HitEventT, reason: RejectReasonT): Promise<void> {
  const { case: c } = await store.createFromHit({
    hit, location: { district: '徐汇区', street: '漕河泾街道' },
    evidence: { bundleId: `b-${hit.hitId}`, storageKey: `k/${hit.hitId}`, manifestSha256: '0'.repeat(64) },
  });
  await store.transition(c.id, { to: 'rejected', actor: 'officer1', reason });
}

for (const [reason, suppresses] of [['not_violation', true], ['duplicate', false], ['image_unusable', false]] as const) {
  test(`rejected as ${reason}: the same look-alike at the same place is ${suppresses ? 'suppressed' : 'raised again'}`, { timeout: 120_000 }, async () => {
    const cameraId = `cam-${reason}`;
    const first = await replay(cameraId, BASE_TIME);
    assert.equal(first.opened.length, 1, 'the overflowing bin is a hit before any verdict');
    assert.ok(first.opened[0]!.embedding?.length, 'the hit carries its appearance embedding');
    await caseRejected(first.opened[0]!, reason);

    const again = await replay(cameraId, BASE_TIME + 3_600_000);
    assert.equal(again.opened.length, suppresses ? 0 : 1);
    assert.equal(again.suppressed > 0, suppresses);
  });
}

test('each verdict row keeps camera, place (normalised), embedding and reason', { timeout: 120_000 }, async () => {
  const rows = await store.db.query<{ camera_id: string; reason: string; suppresses: boolean; place: number[]; embedding: number[] }>(
    'SELECT camera_id, reason, suppresses, place, embedding FROM verdicts ORDER BY camera_id',
  );
  assert.deepEqual(rows.map((r) => [r.camera_id, r.reason, r.suppresses]), [
    ['cam-duplicate', 'duplicate', false], ['cam-image_unusable', 'image_unusable', false], ['cam-not_violation', 'not_violation', true],
  ]);
  for (const r of rows) {
    assert.equal(r.place.length, 4);
    assert.ok(r.place.every((v) => v >= 0 && v <= 1), 'place is normalised to the frame');
    assert.ok(r.embedding.length > 0);
  }
});
