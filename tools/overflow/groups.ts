// Offline: the overflow photo set cleaned and grouped before any split. Photos whose bytes are
// identical but whose labels differ are dropped (they cannot both be right); near-duplicates
// (same scene re-shot, re-cropped or re-encoded) are joined into groups so a group never sits on
// both sides of a split: a difference hash (dHash, 64 bits) within `maxHamming` bits, or pooled
// MobileNetV2 features with cosine ≥ `minCosine`, links two photos; groups are the connected
// components of those links.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { seededRandom, shuffle, type Sample } from './dataset.ts';

export interface GroupOptions {
  maxHamming: number;
  minCosine: number;
}

export const GROUPING: GroupOptions = { maxHamming: 6, minCosine: 0.9 };

export function contentHash(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Difference hash: 9×8 grey thumbnail, one bit per horizontal neighbour pair. */
export async function dHash(file: string): Promise<bigint> {
  const px = await sharp(file).greyscale().resize(9, 8, { fit: 'fill' }).raw().toBuffer();
  let h = 0n;
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) h = (h << 1n) | (px[y * 9 + x]! > px[y * 9 + x + 1]! ? 1n : 0n);
  return h;
}

function hamming(a: bigint, b: bigint): number {
  let v = a ^ b;
  let n = 0;
  while (v) {
    v &= v - 1n;
    n++;
  }
  return n;
}

/** Indices of samples whose content hash also occurs with the other label. */
export function conflicting(samples: Sample[], hashes: string[]): Set<number> {
  const labels = new Map<string, Set<number>>();
  hashes.forEach((h, i) => labels.set(h, (labels.get(h) ?? new Set()).add(samples[i]!.label)));
  return new Set(hashes.flatMap((h, i) => (labels.get(h)!.size > 1 ? [i] : [])));
}

/**
 * Group id per sample (0..groups-1, in order of first member). `embeddings` are unit-length
 * or raw vectors (cosine is taken here).
 */
export function nearDuplicateGroups(dhashes: bigint[], embeddings: ArrayLike<number>[], opts: GroupOptions = GROUPING): number[] {
  const n = dhashes.length;
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  const unit = embeddings.map((e) => {
    let s = 0;
    for (let i = 0; i < e.length; i++) s += e[i]! * e[i]!;
    const norm = Math.sqrt(s) || 1;
    return Float64Array.from(e as ArrayLike<number>, (v) => v / norm);
  });
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let linked = hamming(dhashes[i]!, dhashes[j]!) <= opts.maxHamming;
      if (!linked) {
        const a = unit[i]!;
        const b = unit[j]!;
        let c = 0;
        for (let d = 0; d < a.length; d++) c += a[d]! * b[d]!;
        linked = c >= opts.minCosine;
      }
      if (linked) parent[find(i)] = find(j);
    }
  }
  const ids = new Map<number, number>();
  return parent.map((_, i) => {
    const r = find(i);
    if (!ids.has(r)) ids.set(r, ids.size);
    return ids.get(r)!;
  });
}

/**
 * Assigns whole groups to `k` folds, stratified: groups (majority label, ties → dirty) are
 * shuffled by `seed`, then each goes to the fold with the fewest photos of its label so far.
 * Returns the fold per sample.
 */
export function groupedFolds(labels: number[], groups: number[], k: number, seed: number): number[] {
  const members = new Map<number, number[]>();
  groups.forEach((g, i) => members.set(g, [...(members.get(g) ?? []), i]));
  const fill = Array.from({ length: k }, () => [0, 0]);
  const foldOf = new Map<number, number>();
  const rand = seededRandom(seed);
  for (const g of shuffle([...members.keys()], rand)) {
    const m = members.get(g)!;
    const dirty = m.filter((i) => labels[i] === 1).length;
    const label = 2 * dirty >= m.length ? 1 : 0;
    let best = 0;
    for (let f = 1; f < k; f++) if (fill[f]![label]! < fill[best]![label]!) best = f;
    foldOf.set(g, best);
    for (const i of m) fill[best]![labels[i]!]!++;
  }
  return groups.map((g) => foldOf.get(g)!);
}
