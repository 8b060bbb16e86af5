// Phone numbers through the whole reading path: every labelled case is rendered as a poster
// (SVG text in the system's CJK font, through sharp), read by the real PP-OCR det + rec, and
// parsed. Scores numbers, not strings: a number counts as found when its national form
// matches; any other number is a false one.
import { readPhoneNumbers } from '../../src/analytics/reading/phone-numbers.ts';
import { readTextLines, type OcrModels } from '../../src/analytics/reading/text-lines.ts';
import { PHONE_SET, type PhoneCase } from './phone-set.ts';
import { renderPoster } from './poster.ts';

export interface PhoneScore {
  cases: number;
  tp: number;
  fn: number;
  fp: number;
  misses: Array<{ lines: string[]; read?: string[]; expected: string[]; got: string[] }>;
}

export const recall = (s: PhoneScore): number => (s.tp + s.fn ? s.tp / (s.tp + s.fn) : 1);
export const precision = (s: PhoneScore): number => (s.tp + s.fp ? s.tp / (s.tp + s.fp) : 1);

function score(into: PhoneScore, c: PhoneCase, got: string[], read?: string[]): void {
  const hit = c.expected.filter((e) => got.includes(e)).length;
  const wrong = got.filter((g) => !c.expected.includes(g)).length;
  into.cases++;
  into.tp += hit;
  into.fn += c.expected.length - hit;
  into.fp += wrong;
  if (hit < c.expected.length || wrong) into.misses.push({ lines: c.lines, read, expected: c.expected, got });
}

const empty = (): PhoneScore => ({ cases: 0, tp: 0, fn: 0, fp: 0, misses: [] });

/** The labelled strings, parsed as OCR lines. */
export function scorePhoneStrings(cases: PhoneCase[] = PHONE_SET): PhoneScore {
  const s = empty();
  for (const c of cases) score(s, c, readPhoneNumbers(c.lines, { areaCode: c.areaCode }).map((p) => p.number), undefined);
  return s;
}

/** Poster styles cycled over the cases: font size, ink, paper. */
const STYLES = [
  { fontSize: 28, colour: '#101010', background: '#f4f1e6' },
  { fontSize: 24, colour: '#b00000', background: '#ffffff' },
  { fontSize: 32, colour: '#ffffff', background: '#c41e1e' },
  { fontSize: 22, colour: '#0b2a80', background: '#fff7b0' },
];

/** Each labelled case rendered as a poster and read by PP-OCR (the OCR's reading order). */
export async function scorePhonePosters(models: OcrModels, cases: PhoneCase[] = PHONE_SET): Promise<PhoneScore> {
  const s = empty();
  for (const [i, c] of cases.entries()) {
    const poster = await renderPoster({ lines: c.lines, ...STYLES[i % STYLES.length]! });
    const lines = await readTextLines(poster, models);
    const got = readPhoneNumbers(lines, { areaCode: c.areaCode }).map((p) => p.number);
    score(s, c, got, lines.map((l) => l.text));
  }
  return s;
}
