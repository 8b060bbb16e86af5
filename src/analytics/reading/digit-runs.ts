// OCR text → runs of digits, the raw material of phone-number reading. OCR and posters write
// digits many ways: full-width (１３８), Chinese numerals (壹叁捌, 一三八), letters that look
// like digits (l/I/| for 1, O/o for 0), spaced or dashed groups. A run keeps where its groups
// (digits between soft separators) start, so the parser can tell `138 1234 5678` (one
// number in 3 groups) from `13812345678 24` (a number and a stray 24).

/** Full-width ASCII (U+FF01–FF5E) and the ideographic space → ASCII. */
export function toHalfWidth(s: string): string {
  return s.replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, ' ');
}

/** Chinese numerals, financial (大写) and everyday forms, and 幺 (1 as read out on the phone). */
const CHINESE_DIGITS: Record<string, string> = {
  零: '0', 〇: '0', '○': '0', 一: '1', 壹: '1', 幺: '1', 二: '2', 贰: '2', 两: '2', 三: '3', 叁: '3',
  四: '4', 肆: '4', 五: '5', 伍: '5', 六: '6', 陆: '6', 七: '7', 柒: '7', 八: '8', 捌: '8', 九: '9', 玖: '9',
};
/** Letters OCR (or a poster) uses for digits; only taken as digits right next to a digit. */
const LOOKALIKES: Record<string, string> = { l: '1', I: '1', '|': '1', O: '0', o: '0' };
/** Separators inside a written number: `138-1234-5678`, `(021) 6543 2198`, `138.1234.5678`. */
const SOFT = /[\s\-.·•—–_()（）+]/;
/** Words that introduce an extension: `021-65432198转8001`. */
const EXTENSION = /^(转|分机|ext\.?|EXT\.?)/;
/** A run needs this many digit-like characters before Chinese numerals count as digits. */
const MIN_NUMERAL_RUN = 7;

export interface DigitRun {
  /** ASCII digits only. */
  digits: string;
  /** Index in `digits` where each group starts (ascending, first is 0). */
  groups: number[];
  /** The separator text written before each group ('' for the first). */
  seps: string[];
  /** Per digit: whether it was a look-alike letter or a Chinese numeral. */
  substituted: boolean[];
  /** Per digit: the OCR line it came from (runs joined across lines mix two). */
  line: number[];
  /** Whether only separators/punctuation stand between the run and the start / end of its line. */
  atLineStart: boolean;
  atLineEnd: boolean;
}

type Cell = { kind: 'digit'; d: string; sub: boolean; numeral?: boolean } | { kind: 'sep'; s: string } | { kind: 'break' };

function cells(text: string): Cell[] {
  const chars = [...toHalfWidth(text)];
  const out: Cell[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c >= '0' && c <= '9') out.push({ kind: 'digit', d: c, sub: false });
    else if (CHINESE_DIGITS[c]) out.push({ kind: 'digit', d: CHINESE_DIGITS[c]!, sub: true, numeral: true });
    else if (LOOKALIKES[c]) out.push({ kind: 'sep', s: c }); // decided below
    else if (SOFT.test(c)) out.push({ kind: 'sep', s: c });
    else {
      const ext = EXTENSION.exec(chars.slice(i, i + 4).join(''));
      if (ext) {
        out.push({ kind: 'sep', s: ext[0] });
        i += [...ext[0]].length - 1;
      } else out.push({ kind: 'break' });
    }
  }
  // Look-alike letters become digits when they touch a written digit (`l3812345678`, `1O1O`).
  const real = (c: Cell | undefined): boolean => c?.kind === 'digit' && !c.sub;
  const touching = out.map((c, i) => c.kind === 'sep' && !!LOOKALIKES[c.s] && (real(out[i - 1]) || real(out[i + 1])));
  touching.forEach((t, i) => {
    if (t) out[i] = { kind: 'digit', d: LOOKALIKES[(out[i] as { s: string }).s]!, sub: true };
  });
  // Untouched look-alikes are ordinary letters.
  return out.map((c) => (c.kind === 'sep' && LOOKALIKES[c.s] ? { kind: 'break' } : c));
}

/**
 * Splits one OCR line into digit runs (maximal stretches of digits and soft separators).
 * Chinese numerals count only in runs with at least 7 digit-like characters, so `一站式`
 * or `三楼` stay text. `lineIndex` is recorded per digit.
 */
export function digitRuns(text: string, lineIndex = 0): DigitRun[] {
  const cs = cells(text);
  for (;;) {
    const spans = runSpans(cs);
    // Numerals in a short run are words (一楼, 三号): make them text and split again.
    const short = spans.filter(([a, b]) => cs.slice(a, b).filter((c) => c.kind === 'digit').length < MIN_NUMERAL_RUN);
    let changed = false;
    for (const [a, b] of short) {
      for (let k = a; k < b; k++) {
        const c = cs[k]!;
        if (c.kind === 'digit' && c.numeral) {
          cs[k] = { kind: 'break' };
          changed = true;
        }
      }
    }
    if (changed) continue;
    return spans.map(([a, b]) => {
      const run = buildRun(cs.slice(a, b), lineIndex);
      run.atLineStart = cs.slice(0, a).every((c) => c.kind === 'sep');
      run.atLineEnd = cs.slice(b).every((c) => c.kind === 'sep');
      return run;
    });
  }
}

/** [start, end) of each run: starts at a digit, ends at the last digit before a break. */
function runSpans(cs: Cell[]): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let i = 0;
  while (i < cs.length) {
    if (cs[i]!.kind !== 'digit') {
      i++;
      continue;
    }
    let j = i;
    while (j < cs.length && cs[j]!.kind !== 'break') j++;
    let end = j;
    while (end > i && cs[end - 1]!.kind === 'sep') end--;
    spans.push([i, end]);
    i = j;
  }
  return spans;
}

function buildRun(slice: Cell[], lineIndex: number): DigitRun {
  const run: DigitRun = { digits: '', groups: [], seps: [], substituted: [], line: [], atLineStart: false, atLineEnd: false };
  let sep = '';
  for (const c of slice) {
    if (c.kind === 'sep') sep += c.s;
    else if (c.kind === 'digit') {
      if (run.digits.length === 0 || sep) {
        run.groups.push(run.digits.length);
        run.seps.push(run.digits.length === 0 ? '' : sep);
      }
      sep = '';
      run.digits += c.d;
      run.substituted.push(c.sub);
      run.line.push(lineIndex);
    }
  }
  return run;
}
