// Phone-number parser: the issue's strings exactly, the labelled set as strings and as
// posters read by the real PP-OCR det + rec, and what each number carries (line, confidence).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readPhoneNumbers } from '../../src/analytics/reading/phone-numbers.ts';
import { digitRuns, toHalfWidth } from '../../src/analytics/reading/digit-runs.ts';
import { ISSUE_CASES, PHONE_SET } from '../../tools/eval/phone-set.ts';
import { precision, recall, scorePhonePosters, scorePhoneStrings } from '../../tools/eval/phone-posters.ts';
import { ppocr } from '../analytics/support.ts';

const numbers = (lines: string[], areaCode?: string): string[] => readPhoneNumbers(lines, { areaCode }).map((p) => p.number).sort();

test('every string named in the issue gives exactly its numbers', () => {
  for (const c of ISSUE_CASES) assert.deepEqual(numbers(c.lines), [...c.expected].sort(), JSON.stringify(c.lines));
});

test('each number carries its OCR line(s), source text, kind and a confidence', () => {
  const [a, b] = readPhoneNumbers([{ text: '健身房', score: 0.99 }, { text: '027-88852022', score: 0.97 }, { text: '027-88859022', score: 0.95 }]);
  assert.deepEqual([a!.lines, a!.source, a!.kind, a!.e164, a!.confidence], [[1], '027-88852022', 'landline', '+862788852022', 0.97]);
  assert.deepEqual([b!.lines, b!.confidence], [[2], 0.95]);
  // Glued, substituted and split numbers are less certain than cleanly written ones.
  const glued = readPhoneNumbers(['1381234567824小时上内'])[0]!;
  const letter = readPhoneNumbers(['l3812345678'])[0]!;
  const split = readPhoneNumbers(['电话：138', '1234 5678'])[0]!;
  assert.ok(glued.confidence < 1 && letter.confidence < 1 && split.confidence < glued.confidence);
  assert.deepEqual(split.lines, [0, 1]);
  assert.equal(readPhoneNumbers(['400-820-8820'])[0]!.kind, 'service');
  assert.equal(readPhoneNumbers(['021-65432198转8001'])[0]!.extension, '8001');
});

test("a landline without area code takes the camera's, and only then", () => {
  assert.deepEqual(numbers(['电话：6543 2198'], '021'), ['021-65432198']);
  assert.equal(readPhoneNumbers(['电话：6543 2198'], { areaCode: '021' })[0]!.areaCodeFromCamera, true);
  assert.deepEqual(numbers(['电话：6543 2198']), []);
  // Dates and times never become local numbers.
  assert.deepEqual(numbers(['2019-01-05 11:19:48'], '021'), []);
});

test('digit runs: full-width, numerals only in long runs, look-alikes only next to digits', () => {
  assert.equal(toHalfWidth('１２３－４'), '123-4');
  assert.deepEqual(digitRuns('一站式服务三楼'), []);
  assert.deepEqual(digitRuns('Hello world').map((r) => r.digits), []);
  assert.deepEqual(digitRuns('138 1234 5678').map((r) => r.groups), [[0, 3, 7]]);
});

test(`labelled set (${PHONE_SET.length} cases) as strings: ≥ 98 % recall, no false number`, () => {
  const s = scorePhoneStrings();
  assert.ok(s.cases >= 60);
  assert.ok(recall(s) >= 0.98, JSON.stringify(s.misses));
  assert.equal(s.fp, 0, JSON.stringify(s.misses));
});

const ocr = ppocr();

test('labelled set rendered as posters and read by PP-OCR: ≥ 98 % recall, no false number', { timeout: 300_000 }, async () => {
  const s = await scorePhonePosters(ocr);
  assert.equal(s.cases, PHONE_SET.length);
  assert.ok(recall(s) >= 0.98, JSON.stringify(s.misses));
  assert.equal(s.fp, 0, JSON.stringify(s.misses));
  assert.equal(precision(s), 1);
});
