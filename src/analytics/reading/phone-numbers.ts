// Phone numbers on small ads (bureaus get them suspended), read from OCR lines by the Chinese
// numbering plan (工信部《电信网编号计划》): mobiles 1[3-9]x + 8 digits; landlines 0 + area code
// (010 and 02x: 2 digits after the 0, with 8-digit subscriber numbers; others 3 digits, 7–8)
// ; 400/800 service numbers (10 digits); extensions (转/分机/-); +86/0086. Validity and type
// come from libphonenumber-js (Google's metadata), not from hand-written tables.
//
// OCR glues numbers to their neighbours (`1381234567824小时`, `021-6543219813912345678`), so a
// digit run is segmented, not matched: a dynamic programme tiles each run with valid numbers,
// whole groups of other digits (dates, device ids) and at most 4 stray digits glued after a
// number, and keeps the tiling that covers the most digits with valid numbers.
import type { Box } from '../../inference/types.ts';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { digitRuns, type DigitRun } from './digit-runs.ts';

/** One OCR line: its text and the recogniser's mean character probability. */
export interface OcrLine {
  text: string;
  score?: number;
  /** Where the line is (source pixels), when the reader knows. */
  box?: Box;
}

export type PhoneKind = 'mobile' | 'landline' | 'service';

export interface PhoneReading {
  /** National form: mobiles `13812345678`, landlines `021-65432198`, service `400-820-8820`. */
  number: string;
  /** E.164, e.g. `+8613812345678`. */
  e164: string;
  kind: PhoneKind;
  extension?: string;
  /** True when the area code was not written and came from the camera's `location.areaCode`. */
  areaCodeFromCamera?: boolean;
  /** Indices of the OCR line(s) it was read from (two when a number is split over lines). */
  lines: number[];
  /** Text of those lines, joined with ' / '. */
  source: string;
  /** 0..1: OCR score × penalties for glued, substituted, split or completed numbers. */
  confidence: number;
  /** Boxes of those lines (source pixels), when every line has one. */
  boxes?: Box[];
}

export interface PhoneOptions {
  /** The camera's area code (`'021'`), used for landlines written without one. */
  areaCode?: string;
}

/** How much each uncertainty lowers the confidence (multiplicative). */
const PENALTY = { glued: 0.9, substituted: 0.9, split: 0.85, areaCode: 0.9 } as const;
/** Stray digits allowed glued after a number (`…5678` + `24小时`). */
const MAX_TRAILING = 4;

interface Token {
  start: number;
  end: number;
  reading: Omit<PhoneReading, 'lines' | 'source' | 'confidence'>;
  glued: boolean;
}

/**
 * Every distinct phone number on `lines` (ordered top to bottom, as a poster is read). Each
 * line is read on its own; a run at the end of a line is joined with the run that starts the
 * next line only when neither parses alone and the joined one does (a number split over
 * two lines). Strings are taken as lines with score 1.
 */
export function readPhoneNumbers(lines: ReadonlyArray<OcrLine | string>, opts: PhoneOptions = {}): PhoneReading[] {
  const ls = lines.map((l) => (typeof l === 'string' ? { text: l, score: 1 } : l));
  const perLine = ls.map((l, i) => digitRuns(l.text, i));
  const found: PhoneReading[] = [];
  const add = (run: DigitRun, tokens: Token[]): void => {
    for (const t of tokens) {
      const idx = [...new Set(run.line.slice(t.start, t.end))];
      const score = Math.min(...idx.map((i) => ls[i]!.score ?? 1));
      let confidence = Math.max(0, Math.min(1, score));
      if (t.glued) confidence *= PENALTY.glued;
      if (run.substituted.slice(t.start, t.end).some(Boolean)) confidence *= PENALTY.substituted;
      if (idx.length > 1) confidence *= PENALTY.split;
      if (t.reading.areaCodeFromCamera) confidence *= PENALTY.areaCode;
      const boxes = idx.map((i) => ls[i]!.box).filter((b): b is Box => !!b);
      found.push({ ...t.reading, lines: idx, source: idx.map((i) => ls[i]!.text).join(' / '), confidence: round3(confidence), ...(boxes.length === idx.length ? { boxes } : {}) });
    }
  };
  for (let i = 0; i < perLine.length; i++) {
    const runs = perLine[i]!;
    for (let r = 0; r < runs.length; r++) {
      const run = runs[r]!;
      const tokens = segment(run, opts);
      const next = perLine[i + 1]?.[0];
      if (r === runs.length - 1 && run.atLineEnd && next?.atLineStart && unresolved(run, tokens) && unresolved(next, segment(next, opts))) {
        const joined = joinRuns(run, next);
        const jt = segment(joined, opts);
        if (jt.some((t) => t.start < run.digits.length && t.end > run.digits.length)) {
          add(joined, jt);
          perLine[i + 1] = perLine[i + 1]!.slice(1);
          continue;
        }
      }
      add(run, tokens);
    }
  }
  // One entry per number: the most confident reading.
  const best = new Map<string, PhoneReading>();
  for (const p of found) {
    const key = p.number + (p.extension ? `#${p.extension}` : '');
    const prev = best.get(key);
    if (!prev || p.confidence > prev.confidence) best.set(key, p);
  }
  return [...best.values()];
}

/** A run with leftover digits (a whole group of ≥ 3 digits no number explains). */
function unresolved(run: DigitRun, tokens: Token[]): boolean {
  const covered = tokens.reduce((s, t) => s + t.end - t.start, 0);
  return run.digits.length - covered >= 3;
}

function joinRuns(a: DigitRun, b: DigitRun): DigitRun {
  return {
    digits: a.digits + b.digits,
    groups: [...a.groups, ...b.groups.map((g) => g + a.digits.length)],
    seps: [...a.seps, '\n', ...b.seps.slice(1)],
    substituted: [...a.substituted, ...b.substituted],
    line: [...a.line, ...b.line],
    atLineStart: a.atLineStart,
    atLineEnd: b.atLineEnd,
  };
}

/** Best tiling of a run (see the file comment); only the number tokens are returned. */
export function segment(run: DigitRun, opts: PhoneOptions = {}): Token[] {
  const n = run.digits.length;
  const groupEnd = new Array<number>(n + 1).fill(n);
  const isGroupStart = new Array<boolean>(n + 1).fill(false);
  run.groups.forEach((g, k) => {
    isGroupStart[g] = true;
    const e = run.groups[k + 1] ?? n;
    for (let p = g; p < e; p++) groupEnd[p] = e;
  });
  isGroupStart[n] = true;
  type State = { score: number; prev: number; token?: Token };
  const best: Array<State | undefined> = new Array(n + 1);
  best[0] = { score: 0, prev: -1 };
  const relax = (from: number, to: number, gain: number, token?: Token): void => {
    const s = best[from]!.score + gain;
    if (!best[to] || s > best[to]!.score) best[to] = { score: s, prev: from, token };
  };
  for (let p = 0; p < n; p++) {
    if (!best[p]) continue;
    const ge = groupEnd[p]!;
    // Skip a whole group of other digits (a date, a device id) at almost no cost.
    if (isGroupStart[p]) relax(p, ge, -0.01 * (ge - p));
    // A few stray digits glued after a number.
    else if (ge - p <= MAX_TRAILING) relax(p, ge, -(ge - p));
    for (let len = 7; len <= 14 && p + len <= n; len++) {
      const token = classify(run, p, p + len, isGroupStart, opts);
      if (!token) continue;
      let end = p + len;
      // An extension: a short group after 转/分机/ext or a dash, right after a landline.
      const ext = extension(run, end, token.reading.kind, groupEnd, isGroupStart);
      if (ext) {
        token.reading.extension = run.digits.slice(end, ext);
        end = ext;
      }
      token.end = end;
      const aligned = isGroupStart[p] && isGroupStart[p + len];
      token.glued = !aligned;
      relax(p, end, len + (aligned ? 0.5 : 0) - (token.reading.areaCodeFromCamera ? 2 : 0), token);
    }
  }
  const tokens: Token[] = [];
  for (let p = n; p > 0; p = best[p]!.prev) {
    if (!best[p]) return [];
    if (best[p]!.token) tokens.unshift(best[p]!.token!);
  }
  return tokens;
}

function extension(run: DigitRun, end: number, kind: PhoneKind, groupEnd: number[], isGroupStart: boolean[]): number | undefined {
  if (kind === 'mobile' || end >= run.digits.length || !isGroupStart[end]) return undefined;
  const k = run.groups.indexOf(end);
  const sep = run.seps[k] ?? '';
  const ge = groupEnd[end]!;
  if (ge - end > 5 || !/转|分机|ext|EXT|-/.test(sep)) return undefined;
  return ge;
}

/** The number written at digits [start, end), or undefined; checks group structure first. */
function classify(run: DigitRun, start: number, end: number, isGroupStart: boolean[], opts: PhoneOptions): Token | undefined {
  const digits = run.digits.slice(start, end);
  // Groups wholly inside a number have ≥ 3 digits (138 1234 5678, 021-6543 2198): a date's
  // 01-05 is not part of one. A leading 86 / 0086 country code is the exception.
  const inner = run.groups.filter((g) => g > start && g < end);
  const bounds = [start, ...inner, end];
  // A country code: +86 / 0086 written as its own group, or 86 glued to a mobile (+8613812345678).
  const cc = /^(0086|86)/.exec(digits)?.[0];
  const ccGroup = !!cc && isGroupStart[start] && bounds[1]! - start === cc.length && inner.length > 0;
  const prefix = cc && (ccGroup || /^1[3-9]\d{9}$/.test(digits.slice(cc.length))) ? cc.length : 0;
  for (let k = prefix && ccGroup ? 1 : 0; k + 1 < bounds.length; k++) {
    const whole = (k > 0 || isGroupStart[start]) && (k + 2 < bounds.length || isGroupStart[end]);
    // After +86 the area code loses its 0: `+86 21 6543 2198`.
    const min = prefix && ccGroup && k === 1 ? 2 : 3;
    if (whole && bounds[k + 1]! - bounds[k]! < min) return undefined;
  }
  let national = digits.slice(prefix);
  if (prefix && !/^[10]/.test(national)) national = '0' + national;
  let areaCodeFromCamera = false;
  if (/^[2-9]\d{6,7}$/.test(national)) {
    // A local number: only as whole groups, and only where the camera's area code is known.
    if (!opts.areaCode || prefix || !isGroupStart[start] || !isGroupStart[end]) return undefined;
    national = opts.areaCode + national;
    areaCodeFromCamera = true;
  }
  const kind: PhoneKind | undefined = /^1[3-9]\d{9}$/.test(national)
    ? 'mobile'
    : /^[48]00\d{7}$/.test(national)
      ? 'service'
      : /^0[1-9]\d{8,10}$/.test(national)
        ? 'landline'
        : undefined;
  if (!kind) return undefined;
  const parsed = parsePhoneNumberFromString(national, 'CN');
  if (!parsed?.isValid()) return undefined;
  const type = parsed.getType();
  const ok =
    kind === 'mobile'
      ? type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE'
      : kind === 'service'
        ? type === 'SHARED_COST' || type === 'TOLL_FREE' || type === 'UAN'
        : type === 'FIXED_LINE' || type === 'FIXED_LINE_OR_MOBILE';
  if (!ok) return undefined;
  const number = kind === 'mobile' ? national : formatGrouped(parsed.formatNational(), kind);
  return {
    start,
    end,
    glued: false,
    reading: { number, e164: parsed.number, kind, ...(areaCodeFromCamera ? { areaCodeFromCamera } : {}) },
  };
}

/** libphonenumber's national format (`021 6543 2198`, `400 820 8820`) → `021-65432198`, `400-820-8820`. */
function formatGrouped(national: string, kind: PhoneKind): string {
  const parts = national.split(/\s+/);
  if (kind === 'service') return parts.join('-');
  return `${parts[0]}-${parts.slice(1).join('')}`;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
