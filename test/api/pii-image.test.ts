// Personal data in evidence stills: a caller without `pii:read` (an officer) sees the regions
// where the reading stage found a plate or a phone number masked in the still it is shown,
// as the API masks them in text. Real hits from the real rules and readers (YOLOX, PP-OCR det +
// rec) on the project's composite frames — the checkpoint photo's plate on vtest's parked van,
// a rendered small-ad poster on vtest's facade — sealed into real bundles; the proof is the
// same reader: it reads the plate and both numbers off the commander's view (pii:read) and
// nothing off the officer's. The sealed originals are untouched and downloadable with
// `evidence:download` only.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { HitEventT } from '../../src/contracts/hit.ts';
import { PlateReader } from '../../src/analytics/reading/plate-reader.ts';
import { readPhoneNumbers, type OcrLine } from '../../src/analytics/reading/phone-numbers.ts';
import { loadDetector, loadTextRecognizer } from '../../src/inference/detectors.ts';
import { encodeJpeg, readImageBgr } from '../../src/inference/image.ts';
import type { BgrImage } from '../../src/ingest/types.ts';
import type { Box, Detector } from '../../src/inference/types.ts';
import type { TextRecognizer } from '../../src/inference/ocr-recognizer.ts';
import { piiRegions } from '../../src/api/pii-image.ts';
import { BASE_TIME, CHECKPOINT_PLATE_TEXT, compositeParkedPlate, compositePoster, POSTER_PHONES, type EvalCase } from '../../tools/eval/cases.ts';
import { runCase } from '../../tools/eval/runner.ts';
import { Camera } from '../../src/config/schema.ts';
import { parseStreamsYaml } from '../../src/config/load.ts';
import { CAM_A, STREAMS_YAML, startHarness, type Harness } from './support/harness.ts';

let h: Harness;
let objects: Detector;
let text: Detector;
let reader: TextRecognizer;
before(async () => {
  h = await startHarness(0);
  [objects, text, reader] = await Promise.all([loadDetector('yolox-nano', { threads: 2 }), loadDetector('ppocr-v4-det', { threads: 2 }), loadTextRecognizer('ppocr-v4-rec', { threads: 2 })]);
}, { timeout: 180_000 });
after(async () => {
  await Promise.all([objects?.close(), text?.close(), reader?.close()]);
  await h?.close();
}, { timeout: 60_000 });

/** The case's opened hit from the real rule, and the frame it was decided on (re-rendered: the composites are deterministic). */
async function realHit(c: EvalCase, frameAt: (hit: HitEventT) => number): Promise<{ hit: HitEventT; jpeg: Buffer }> {
  const r = await runCase(c, { objects, text, reader }, c.rule === 'parking' ? { plateReader: new PlateReader(text, reader) } : {});
  const opened = r.events.find((e) => e.event === 'opened')!;
  assert.ok(opened, `${c.name}: one hit`);
  // The newest reading of the hit (plates are voted over more frames as it goes on).
  const hit = { ...opened, attributes: [...r.events].reverse().find((e) => e.hitId === opened.hitId && e.event !== 'cleared')!.attributes } as HitEventT;
  const t = (frameAt(hit) - BASE_TIME) / 1000;
  for await (const s of c.samples()) if (s.t === t) return { hit, jpeg: await encodeJpeg(s.image, 95) };
  throw new Error(`no frame at t=${t}`);
}

/** Seals the frame as the hit's "at" still on camera cam-a (示范区) and makes the case; `clip`: a review clip of it too. */
async function caseOf(hit: HitEventT, jpeg: Buffer, clip = false): Promise<string> {
  const camera = Camera.parse(parseStreamsYaml(STREAMS_YAML, 'test').cameras.find((x) => x.id === CAM_A.cameraId));
  const h2 = { ...hit, hitId: `pii-${hit.hitId}`, cameraId: CAM_A.cameraId } as HitEventT;
  const sealed = await h.sealer.seal({ hit: h2, camera, frames: [{ role: 'at', capturedAt: hit.at, jpeg }], models: [],
    ...(clip ? { clip: true, clipFrames: [0, 500, 1000].map((d) => ({ capturedAt: hit.at + d, jpeg })) } : {}) });
  const { case: c } = await h.store.createFromHit({ hit: h2, location: { district: CAM_A.district, street: CAM_A.street }, evidence: sealed });
  return c.id;
}

async function view(user: string, caseId: string, kind: string) {
  const cookie = await h.login(user);
  const files = ((await (await fetch(`${h.url}/api/cases/${caseId}/evidence`, { headers: h.auth(cookie) })).json()) as { files: { name: string; kind: string; sha256: string }[] }).files;
  const f = files.find((x) => x.kind === kind)!;
  const r = await fetch(`${h.url}/api/cases/${caseId}/evidence/view?name=${encodeURIComponent(f.name)}`, { headers: h.auth(cookie) });
  assert.equal(r.status, 200);
  return { masked: r.headers.get('x-huiyan-pii-masked'), image: await readImageBgr(Buffer.from(await r.arrayBuffer())), file: f, cookie };
}

/** What the plate reader reads off an image, over the vehicles YOLOX finds in it. */
async function platesOn(img: BgrImage): Promise<string[]> {
  const pr = new PlateReader(text, reader);
  const out: string[] = [];
  for (const v of (await objects.detect(img)).filter((d) => ['vehicle', 'truck', 'car', 'bus'].includes(d.label))) {
    const r = await pr.read(img, v.box);
    if (r) out.push(r.plate);
  }
  // YOLOX may box one vehicle twice (car and truck): each plate once.
  return [...new Set(out)];
}

/** The phone numbers PP-OCR reads off an image inside `area` (as the ads rule reads a poster). */
async function phonesOn(img: BgrImage, area: Box): Promise<string[]> {
  const lines = (await text.detect(img)).filter((d) => d.label === 'text' && d.box[0] >= area[0] && d.box[1] >= area[1] && d.box[2] <= area[2] && d.box[3] <= area[3]);
  const read: OcrLine[] = [];
  for (const d of lines.sort((a, b) => a.box[1] - b.box[1])) {
    const r = await reader.recognize(img, d.box, d.points);
    if (r.text.trim()) read.push({ text: r.text.trim(), score: r.score });
  }
  return readPhoneNumbers(read).map((p) => p.number);
}

describe('personal data in evidence stills', { timeout: 900_000 }, () => {
  it('masks the plate the reading stage located for an officer; the commander\'s view and the sealed original keep it', async () => {
    const { hit, jpeg } = await realHit(compositeParkedPlate(20), (x) => (x.rule === 'parking' ? x.attributes.plate?.boxAt ?? x.at : x.at));
    assert.equal(hit.rule, 'parking');
    const plate = hit.rule === 'parking' ? hit.attributes.plate : undefined;
    assert.equal(plate?.plate, CHECKPOINT_PLATE_TEXT);
    assert.ok(plate?.box && plate.boxAt, `the plate vote carries its box and time: ${JSON.stringify(plate)}`);
    assert.deepEqual(piiRegions(hit.attributes as Record<string, unknown>), [plate.box]);
    const caseId = await caseOf(hit, jpeg);
    assert.deepEqual(await platesOn(await readImageBgr(jpeg)), [CHECKPOINT_PLATE_TEXT], 'the frame shows the plate');

    const officer = await view('officer_a', caseId, 'original:at');
    const commander = await view('commander', caseId, 'original:at');
    assert.equal(officer.masked, '1');
    assert.equal(commander.masked, null);
    assert.deepEqual(await platesOn(commander.image), [CHECKPOINT_PLATE_TEXT], 'pii:read: the plate stays readable');
    assert.deepEqual(await platesOn(officer.image), [], 'no pii:read: nothing to read where the plate was');

    // The sealed original: untouched, served by download to evidence:download (every such role has pii:read) only.
    const denied = await fetch(`${h.url}/api/cases/${caseId}/evidence/download?name=${encodeURIComponent(officer.file.name)}`, { headers: h.auth(officer.cookie) });
    assert.equal(denied.status, 403);
    const auditor = await h.login('auditor');
    const orig = Buffer.from(await (await fetch(`${h.url}/api/cases/${caseId}/evidence/download?name=${encodeURIComponent(officer.file.name)}`, { headers: h.auth(auditor) })).arrayBuffer());
    assert.equal(createHash('sha256').update(orig).digest('hex'), officer.file.sha256);
    assert.ok(orig.equals(jpeg), 'the original is the frame as sealed');
    assert.equal((await (await fetch(`${h.url}/api/cases/${caseId}/verify`, { headers: h.auth(auditor) })).json() as { ok: boolean }).ok, true);
  });

  it('masks the poster lines the phone numbers were read from for an officer', async () => {
    const { hit, jpeg } = await realHit(compositePoster(), (x) => x.at);
    assert.equal(hit.rule, 'ads');
    const phones = hit.rule === 'ads' ? hit.attributes.phones ?? [] : [];
    assert.deepEqual(phones.map((p) => p.number).sort(), [...POSTER_PHONES].sort());
    assert.ok(phones.every((p) => p.boxes?.length === p.lines.length), `each number carries its lines' boxes: ${JSON.stringify(phones)}`);
    const caseId = await caseOf(hit, jpeg, true);
    const poster = hit.place.box;

    const officer = await view('officer_a', caseId, 'original:at');
    const commander = await view('commander', caseId, 'original:at');
    assert.equal(Number(officer.masked), phones.reduce((n, p) => n + p.boxes!.length, 0));
    assert.deepEqual((await phonesOn(await readImageBgr(jpeg), poster)).sort(), [...POSTER_PHONES].sort(), 'the frame shows both numbers');
    // The viewer's watermark crosses the small print too (it costs the reader one of the two numbers here).
    const seen = await phonesOn(commander.image, poster);
    assert.ok(seen.length >= 1 && seen.every((n) => POSTER_PHONES.includes(n)), `pii:read: the numbers stay readable (${seen})`);
    assert.deepEqual(await phonesOn(officer.image, poster), [], 'no pii:read: no number readable');
    // The annotated still is masked the same way.
    const annotated = await view('officer_a', caseId, 'annotated:at');
    assert.equal(annotated.masked, officer.masked);
    assert.deepEqual(await phonesOn(annotated.image, poster), []);

    // The review clip cannot be masked by one region per case: an officer is not served it, a commander is.
    type Listing = { files: { name: string; kind: string }[]; clipWithheld?: boolean };
    const list = async (cookie: string) => (await (await fetch(`${h.url}/api/cases/${caseId}/evidence`, { headers: h.auth(cookie) })).json()) as Listing;
    const officerList = await list(officer.cookie);
    assert.equal(officerList.files.some((f) => f.kind === 'clip'), false, 'the officer\'s listing has no clip');
    assert.equal(officerList.clipWithheld, true, 'the officer is told the clip is withheld');
    const commanderList = await list(commander.cookie);
    assert.equal(commanderList.clipWithheld, undefined);
    const clip = commanderList.files.find((f) => f.kind === 'clip');
    assert.ok(clip, 'the commander\'s listing has the clip');
    const clipUrl = `${h.url}/api/cases/${caseId}/evidence/view?name=${encodeURIComponent(clip.name)}`;
    const refused = await fetch(clipUrl, { headers: h.auth(officer.cookie) });
    assert.equal(refused.status, 403);
    assert.match(((await refused.json()) as { message: string }).message, /personal data/);
    const served = await fetch(clipUrl, { headers: h.auth(commander.cookie) });
    assert.equal(served.status, 200);
    assert.equal(Buffer.from(await served.arrayBuffer()).subarray(4, 8).toString('latin1'), 'ftyp');
  });
});
