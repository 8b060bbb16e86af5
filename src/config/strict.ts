// Strict config support: every object schema refuses unknown keys (`.strict()`); this module
// turns zod's "unrecognized key" into an operator's message with a suggestion — a misspelled
// `schedules:` must not silently leave a zone enforced 24/7.
import type { z } from 'zod';

type Def = { type: string; shape?: Record<string, z.ZodType>; element?: z.ZodType; valueType?: z.ZodType; innerType?: z.ZodType; in?: z.ZodType; options?: z.ZodType[]; discriminator?: string; values?: unknown[] };
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Unwraps defaults, optionals and pipes down to the schema that gives the value its shape. */
function core(s: z.ZodType): z.ZodType {
  for (;;) {
    const d = defOf(s);
    if (d.innerType) s = d.innerType;
    else if (d.type === 'pipe' && d.in) s = d.in;
    else return s;
  }
}

/** Picks the union option the data was meant for: the discriminator's literal, else the best key overlap. */
function pickOption(options: z.ZodType[], data: unknown, disc?: string): z.ZodType | undefined {
  const objects = options.map(core).filter((o) => defOf(o).type === 'object');
  const rec = data && typeof data === 'object' ? (data as Record<string, unknown>) : {};
  if (disc) {
    const hit = objects.find((o) => defOf(defOf(o).shape![disc]!).values?.includes(rec[disc]));
    if (hit) return hit;
  }
  let best: z.ZodType | undefined;
  let score = -1;
  for (const o of objects) {
    const n = Object.keys(rec).filter((k) => k in defOf(o).shape!).length;
    if (n > score) (best = o), (score = n);
  }
  return best;
}

/** The keys the schema allows for the object at `path` of `data`, or undefined if not an object there. */
export function knownKeysAt(schema: z.ZodType, data: unknown, path: ReadonlyArray<PropertyKey>): string[] | undefined {
  let s: z.ZodType | undefined = schema;
  let v: unknown = data;
  for (let i = 0; ; i++) {
    s = core(s);
    const d = defOf(s);
    if (d.type === 'union' && d.options) {
      s = pickOption(d.options, v, d.discriminator);
      if (!s) return undefined;
      i--; // same path position, now at the chosen option
      continue;
    }
    if (i === path.length) return d.type === 'object' ? Object.keys(d.shape!) : undefined;
    const seg = path[i]!;
    if (d.type === 'object') s = d.shape![String(seg)];
    else if (d.type === 'array') s = d.element;
    else if (d.type === 'record') s = d.valueType;
    else return undefined;
    if (!s) return undefined;
    v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[seg as string] : undefined;
  }
}

/** Optimal string alignment distance (Damerau–Levenshtein with adjacent swaps), case-insensitive. */
export function editDistance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidate within max(2, length/3) edits (or one being a prefix of the other), if any. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const dist = editDistance(word, c);
    if (dist < bestD) (best = c), (bestD = dist);
  }
  if (best === undefined) return undefined;
  const lw = word.toLowerCase();
  const lb = best.toLowerCase();
  if (bestD <= Math.max(2, Math.floor(word.length / 3)) || lb.startsWith(lw) || lw.startsWith(lb)) return best;
  return undefined;
}

export interface KeyIssue {
  /** Path of the unknown key itself (parent path + key). */
  path: PropertyKey[];
  message: string;
  /** The issue is about the key, not its value (its line is the key's). */
  unknownKey?: boolean;
}

/** Expands zod issues: one per unknown key, with "did you mean" from the schema; others as they are. */
export function explainIssues(schema: z.ZodType, data: unknown, issues: readonly z.core.$ZodIssue[]): KeyIssue[] {
  const out: KeyIssue[] = [];
  for (const issue of issues) {
    // A misspelt required key is also reported as missing: its unknown-key issue (with the
    // "did you mean") says it all.
    if (issue.code === 'invalid_type' && misspeltRequiredKey(schema, data, issue.path)) continue;
    // A misspelt value of a closed list (a rule; a zone type or source kind, which pick a union's
    // branch): suggest the closest. A discriminated union's issue lists its options only in the message.
    const options = issue.code === 'invalid_value' ? issue.values.filter((v): v is string => typeof v === 'string')
      : issue.code === 'invalid_union' && 'discriminator' in issue ? [...issue.message.matchAll(/'([^']+)'/g)].map((m) => m[1]!)
      : undefined;
    if (options) {
      const given = valueAt(data, issue.path);
      const guess = typeof given === 'string' ? didYouMean(given, options) : undefined;
      out.push({ path: [...issue.path], message: guess ? `unknown value '${given}' — did you mean '${guess}'? (${issue.message})` : issue.message });
      continue;
    }
    if (issue.code !== 'unrecognized_keys') {
      out.push({ path: [...issue.path], message: issue.message });
      continue;
    }
    const known = knownKeysAt(schema, data, issue.path) ?? [];
    for (const key of issue.keys) {
      const guess = didYouMean(key, known.filter((k) => !issue.keys.includes(k)));
      out.push({
        path: [...issue.path, key],
        unknownKey: true,
        message: `unknown key '${key}'` + (guess ? ` — did you mean '${guess}'?` : known.length ? ` (allowed here: ${known.join(', ')})` : ''),
      });
    }
  }
  return out;
}

function valueAt(data: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  return path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), data);
}

/** For a missing key at `path`: the unknown key next to it that is its misspelling, if any. */
function misspeltRequiredKey(schema: z.ZodType, data: unknown, path: ReadonlyArray<PropertyKey>): string | undefined {
  const missing = path.at(-1);
  if (typeof missing !== 'string') return undefined;
  const parent = valueAt(data, path.slice(0, -1));
  if (!parent || typeof parent !== 'object' || missing in parent) return undefined;
  const known = knownKeysAt(schema, data, path.slice(0, -1)) ?? [];
  return Object.keys(parent).find((k) => !known.includes(k) && didYouMean(k, [missing]) === missing);
}
