// Reading and verification rows of `npm run eval`: phone numbers (labelled strings and the
// same cases as PP-OCR-read posters), plates (the checkpoint photo's readable plates, read
// on YOLOX's vehicle boxes), truck precision before/after the crop verifier.
import path from 'node:path';
import { PlateReader } from '../../src/analytics/reading/plate-reader.ts';
import { readStill } from '../../src/analytics/reading/still.ts';
import { CropVerifier, loadVerifierConfig } from '../../src/analytics/verifier/verifier.ts';
import { readImageBgr } from '../../src/inference/image.ts';
import { ImageNetClassifier } from '../../src/inference/mobilenet.ts';
import type { Detector } from '../../src/inference/types.ts';
import type { TextRecognizer } from '../../src/inference/ocr-recognizer.ts';
import { compositeSpill, DATA } from './cases.ts';
import { runCase } from './runner.ts';
import { precision, recall, scorePhonePosters, scorePhoneStrings } from './phone-posters.ts';
import { scoreTruckVerifier } from './truck-verifier.ts';

/** The plates a person reads on checkpoint_camera_cn.jpg (ambulance, white SUV); the distant van's is a few pixels. */
export const CHECKPOINT_PLATES = ['鲁Q1V825', '鲁QVW812'];

export interface ReadingRow {
  item: string;
  set: string;
  result: string;
}

export async function evalReading(m: { objects: Detector; text: Detector; reader: TextRecognizer }, threads: number): Promise<ReadingRow[]> {
  const rows: ReadingRow[] = [];
  const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
  const s = scorePhoneStrings();
  rows.push({ item: 'phone numbers, strings', set: `${s.cases} labelled cases, ${s.tp + s.fn} numbers`, result: `precision ${pct(precision(s))}, recall ${pct(recall(s))} (tp ${s.tp}, fp ${s.fp}, fn ${s.fn})` });
  const p = await scorePhonePosters(m);
  rows.push({ item: 'phone numbers, posters (PP-OCR)', set: `${p.cases} rendered posters, ${p.tp + p.fn} numbers`, result: `precision ${pct(precision(p))}, recall ${pct(recall(p))} (tp ${p.tp}, fp ${p.fp}, fn ${p.fn})` });

  const img = await readImageBgr(path.join(DATA, 'street/checkpoint_camera_cn.jpg'));
  const still = await readStill(img, { ...m, plates: new PlateReader(m.text, m.reader) });
  const read = still.plates.map((x) => x.plate);
  const correct = CHECKPOINT_PLATES.filter((x) => read.includes(x)).length;
  const wrong = read.filter((x) => !CHECKPOINT_PLATES.includes(x)).length;
  rows.push({ item: 'licence plates', set: `checkpoint_camera_cn.jpg, ${CHECKPOINT_PLATES.length} readable plates`, result: `${correct}/${CHECKPOINT_PLATES.length} read and valid, ${wrong} wrong (${read.join(', ')})` });

  const classifier = await ImageNetClassifier.load('mobilenetv2-int8', { threads });
  const t = await scoreTruckVerifier(classifier, new CropVerifier(classifier, await loadVerifierConfig()));
  rows.push({
    item: 'truck boxes, crop verifier',
    set: `${t.boxes} YOLOX truck boxes of real photos, ${t.trucks} trucks`,
    result: `precision ${pct(t.before.precision)} → ${pct(t.after.precision)}, recall ${pct(t.before.recall)} → ${pct(t.after.recall)}, ${t.boxes - t.after.kept} vetoed, ${t.msPerCrop.toFixed(1)} ms/crop`,
  });
  // The spill composite with the verifier on (and the plate reader): still its one hit.
  const spill = await runCase(compositeSpill({ truck: true, debris: true, plate: true }), m, {
    verifier: new CropVerifier(classifier, await loadVerifierConfig()),
    plateReader: new PlateReader(m.text, m.reader),
  });
  const hit = spill.events.find((e) => e.event === 'opened');
  const v = hit?.verification?.[0];
  const plate = hit?.rule === 'spillage' ? hit.attributes.plate : undefined;
  rows.push({
    item: 'spillage with verifier + plate reader',
    set: 'composite spill (vtest van, checkpoint plate)',
    result: `opened ${spill.opened}, tp ${spill.tp}, truck ${v?.decision ?? 'not checked'} (${v?.top[0]?.join(' ') ?? ''}), plate ${plate ? `${plate.plate} (${plate.votes}/${plate.reads} votes)` : 'none'}`,
  });
  await classifier.close();
  return rows;
}
