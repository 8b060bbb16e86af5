// Chinese licence plates (GA 36-2018 《中华人民共和国机动车号牌》): a province abbreviation,
// the issuing-authority letter, then 5 characters (ordinary plates, the last may be 挂/学/警/
// 港/澳) or 6 (new-energy plates: D/F third for small vehicles, D/F last for large ones).
// Letters I and O are never used, so OCR's O/I in the serial are 0/1.
import type { Box } from '../../inference/types.ts';

const PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼';
const L = 'A-HJ-NP-Z';
const ORDINARY = new RegExp(`^[${PROVINCES}][${L}][${L}0-9]{4}[${L}0-9挂学警港澳]$`);
const NEW_ENERGY_SMALL = new RegExp(`^[${PROVINCES}][${L}][DF][${L}0-9][0-9]{4}$`);
const NEW_ENERGY_LARGE = new RegExp(`^[${PROVINCES}][${L}][0-9]{5}[DF]$`);

export type PlateKind = 'ordinary' | 'new-energy';

/** Plate type of a normalised plate string, or undefined when it is not a valid plate. */
export function plateKind(plate: string): PlateKind | undefined {
  if (NEW_ENERGY_SMALL.test(plate) || NEW_ENERGY_LARGE.test(plate)) return 'new-energy';
  if (ORDINARY.test(plate)) return 'ordinary';
  return undefined;
}

/**
 * OCR text of a plate → the plate without separators (`鲁Q·1V825` → `鲁Q1V825`), or undefined
 * when no valid plate is in it. Full-width → ASCII, upper case, separators (· . - space)
 * dropped, O → 0 and I → 1 after the authority letter; a plate colour word the camera
 * printed in front (黄/蓝/绿/白/黑) is skipped.
 */
export function normalisePlate(text: string): string | undefined {
  const s = text
    .replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .toUpperCase()
    .replace(/[\s·•.\-_:：]/g, '');
  const chars = [...s];
  for (let i = 0; i < chars.length; i++) {
    if (!PROVINCES.includes(chars[i]!)) continue;
    for (const len of [8, 7]) {
      const cand = chars.slice(i, i + len);
      if (cand.length < len) continue;
      const fixed = cand.map((c, k) => (k >= 2 ? (c === 'O' ? '0' : c === 'I' ? '1' : c) : c)).join('');
      if (plateKind(fixed)) return fixed;
    }
  }
  return undefined;
}

/** `鲁Q1V825` → `鲁Q·1V825`, as printed on the plate. */
export const formatPlate = (plate: string): string => `${[...plate].slice(0, 2).join('')}·${[...plate].slice(2).join('')}`;

/** Where a plate was read: its box in source pixels on the frame of `at` (ms since epoch). */
export interface PlatePlace {
  box: Box;
  at: number;
}

export interface PlateReading {
  /** Normalised plate, no separator (`鲁Q1V825`). */
  plate: string;
  kind: PlateKind;
  /** 0..1: the recogniser's character probability (one read), or the vote share × mean score. */
  confidence: number;
}

/**
 * Votes plate reads over the frames of one track: each read adds its score to its plate
 * string; the winner is the string with the most weight. Reads differing in one character
 * (OCR noise on a small plate) still count separately, so a clearly better frame wins.
 */
export class PlateVote {
  private readonly weights = new Map<string, { weight: number; reads: number; where?: PlatePlace; whereScore: number }>();
  private total = 0;

  /** `where`: the plate's box (source pixels) on the frame read, kept for the plate's best read (PII masking of stills). */
  add(plate: string, score: number, where?: PlatePlace): void {
    const w = this.weights.get(plate) ?? { weight: 0, reads: 0, whereScore: -1 };
    w.weight += score;
    w.reads++;
    if (where && score > w.whereScore) (w.where = where), (w.whereScore = score);
    this.weights.set(plate, w);
    this.total += score;
  }

  get reads(): number {
    return [...this.weights.values()].reduce((s, w) => s + w.reads, 0);
  }

  /** The winning plate with its vote count, or undefined before any valid read. */
  result(): (PlateReading & { votes: number; reads: number; box?: Box; boxAt?: number }) | undefined {
    let best: [string, { weight: number; reads: number; where?: PlatePlace }] | undefined;
    for (const e of this.weights) if (!best || e[1].weight > best[1].weight) best = e;
    if (!best) return undefined;
    const [plate, w] = best;
    const share = w.weight / this.total;
    return {
      plate, kind: plateKind(plate)!, confidence: Math.round(share * (w.weight / w.reads) * 1000) / 1000, votes: w.reads, reads: this.reads,
      ...(w.where ? { box: w.where.box, boxAt: w.where.at } : {}),
    };
  }
}
