// Real PP-OCR detection + recognition on a poster-like image pasted on a real vtest frame:
// the ads rule reads the poster and extracts both phone numbers; the camera's own
// on-screen strip (real checkpoint photo) is masked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Camera } from '../../src/config/schema.ts';
import { AnalyticsEngine } from '../../src/analytics/engine.ts';
import { BASE_TIME, checkpointStrip, POSTER_LINES, POSTER_PHONES } from '../../tools/eval/cases.ts';
import { renderPoster } from '../../tools/eval/poster.ts';
import { paste } from '../../tools/eval/paste.ts';
import { sampleFile } from '../../src/ingest/sample-file.ts';
import { runCase } from '../../tools/eval/runner.ts';
import { DATA } from '../../tools/eval/cases.ts';
import path from 'node:path';
import { ppocr } from './support.ts';

const ocr = ppocr();

test('phone numbers on a poster pasted on a wall are read and extracted', { timeout: 180_000 }, async () => {
  let frame;
  for await (const f of sampleFile(path.join(DATA, 'vtest.avi'), { fps: 1, width: 768, height: 576 })) {
    frame = f.image;
    break;
  }
  const poster = await renderPoster({ lines: POSTER_LINES, fontSize: 20 });
  const image = paste(frame!, poster, 440, 8);
  const dets = await ocr.text.detect(image);
  const cam = Camera.parse({
    id: 'ads-test', name: 'ads', location: { district: 'd', street: 's' }, source: { kind: 'file', path: 'x' },
    zones: [{ id: 'facade', type: 'protected-surface', polygon: [[0.4, 0], [0.8, 0], [0.8, 0.2], [0.4, 0.2]], persistSeconds: 5 }],
  });
  const engine = new AnalyticsEngine(cam, { textReader: ocr.reader });
  const events = [];
  for (let t = 0; t <= 8; t++) events.push(...(await engine.process({ frameTime: BASE_TIME + t * 1000, detections: dets, image })));
  const opened = events.filter((e) => e.event === 'opened');
  assert.equal(opened.length, 1, 'one poster, one alert');
  assert.ok((opened[0]!.at - BASE_TIME) / 1000 >= 5, 'not before it persisted');
  const hit = opened[0]!;
  assert.ok(hit.rule === 'ads');
  assert.deepEqual([...hit.attributes.phoneNumbers].sort(), [...POSTER_PHONES].sort());
  assert.ok(hit.attributes.texts.some((t) => t.includes('疏通')), JSON.stringify(hit.attributes.texts));
});

test("the camera's on-screen strip is masked; without the mask it would alert", { timeout: 180_000 }, async () => {
  const masked = await runCase(checkpointStrip(true), ocr);
  assert.equal(masked.opened, 0);
  const unmasked = await runCase(checkpointStrip(false), ocr);
  assert.ok(unmasked.opened >= 1, 'control: the strip is real text the detector finds');
});
