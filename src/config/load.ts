// Loads streams-config/*.yaml. A malformed file or camera is reported with file, YAML path
// and line, then skipped: one bad camera never takes the others down.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument, isNode, isMap, isScalar, type Document } from 'yaml';
import type { z } from 'zod';
import { explainIssues } from './strict.ts';
import { Camera, StreamsFile, type CameraConfig } from './schema.ts';

export interface ConfigIssue {
  file: string;
  /** YAML path such as `cameras[1].zones[0].polygon`. */
  path: string;
  line?: number;
  message: string;
}

export interface LoadedConfig {
  cameras: CameraConfig[];
  /** Which file each camera came from, for hot reload and for error messages. */
  sourceFile: Map<string, string>;
  issues: ConfigIssue[];
}

export function formatIssue(i: ConfigIssue): string {
  const where = i.line ? `${i.file}:${i.line}` : i.file;
  return `${where}: ${i.path || '(root)'}: ${i.message}`;
}

export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
  }
}

function yamlPath(segments: ReadonlyArray<PropertyKey>): string {
  return segments
    .map((s, i) => (typeof s === 'number' ? `[${s}]` : `${i === 0 ? '' : '.'}${String(s)}`))
    .join('');
}

function lineOf(doc: Document, lc: LineCounter, segments: ReadonlyArray<PropertyKey>): number | undefined {
  // Walk back to the deepest node that exists so "missing key" errors point at its parent.
  for (let n = segments.length; n >= 0; n--) {
    const node = doc.getIn(segments.slice(0, n) as unknown[], true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
  }
  return undefined;
}

/** zod issues → ConfigIssues with file:line; unknown keys get a "did you mean". */
export /** Line of the key (not the value) at `segments`, for "unknown key" issues. */
function keyLine(doc: Document, lc: LineCounter, segments: ReadonlyArray<PropertyKey>): number | undefined {
  const parent = segments.length === 1 ? doc.contents : doc.getIn(segments.slice(0, -1) as unknown[], true);
  if (!isMap(parent)) return undefined;
  const key = String(segments[segments.length - 1]);
  const pair = parent.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === key);
  const range = pair && isNode(pair.key) ? pair.key.range : undefined;
  return range ? lc.linePos(range[0]).line : undefined;
}

function zodIssues(
  schema: z.ZodType,
  data: unknown,
  err: z.ZodError,
  file: string,
  prefix: PropertyKey[],
  doc: Document,
  lc: LineCounter,
): ConfigIssue[] {
  return explainIssues(schema, data, err.issues).map((issue) => {
    const segments = [...prefix, ...issue.path];
    const line = (issue.unknownKey && keyLine(doc, lc, segments)) || lineOf(doc, lc, segments);
    return { file, path: yamlPath(segments), line, message: issue.message };
  });
}

/** Parses YAML text with line tracking; a syntax error comes back as issues. */
export function parseYamlDoc(text: string, file: string): { doc: Document; lc: LineCounter; issues: ConfigIssue[] } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true });
  const issues = doc.errors.map((e) => ({ file, path: '', line: e.linePos?.[0]?.line, message: `YAML syntax: ${e.message.split('\n')[0]}` }));
  return { doc, lc, issues };
}

/** A part of a document checked by its own schema (one whose schema depends on its content). */
export interface StrictPart {
  schema: z.ZodType;
  path: PropertyKey[];
}

/**
 * Validates one YAML/JSON document against `schema` strictly; every issue has file:line. `parts`
 * (given the validated value) names sub-documents to check against their own schemas in the same
 * way, e.g. the model manifest's entries, whose schema depends on their keys.
 */
export function parseStrict<S extends z.ZodType>(schema: S, text: string, file: string, parts?: (value: z.infer<S>) => StrictPart[]): { value?: z.infer<S>; issues: ConfigIssue[] } {
  const { doc, lc, issues } = parseYamlDoc(text, file);
  if (issues.length) return { issues };
  const data = doc.toJS() ?? {};
  const r = schema.safeParse(data);
  if (!r.success) return { issues: zodIssues(schema, data, r.error, file, [], doc, lc) };
  const nested: ConfigIssue[] = [];
  for (const part of parts?.(r.data) ?? []) {
    const sub = part.path.reduce<unknown>((v, k) => (v as Record<PropertyKey, unknown>)[k], data);
    const pr = part.schema.safeParse(sub);
    if (!pr.success) nested.push(...zodIssues(part.schema, sub, pr.error, file, part.path, doc, lc));
  }
  return nested.length ? { issues: nested } : { value: r.data, issues: [] };
}

/** Parses one YAML text; returns the valid cameras and an issue for every invalid one. */
export function parseStreamsYaml(text: string, file: string): { cameras: CameraConfig[]; issues: ConfigIssue[] } {
  const { doc, lc, issues: syntax } = parseYamlDoc(text, file);
  if (syntax.length > 0) return { cameras: [], issues: syntax };
  const data = doc.toJS() ?? {};
  const top = StreamsFile.safeParse(data);
  if (!top.success) return { cameras: [], issues: zodIssues(StreamsFile, data, top.error, file, [], doc, lc) };

  const cameras: CameraConfig[] = [];
  const issues: ConfigIssue[] = [];
  top.data.cameras.forEach((raw, index) => {
    const parsed = Camera.safeParse(raw);
    if (parsed.success) cameras.push(parsed.data);
    else issues.push(...zodIssues(Camera, raw, parsed.error, file, ['cameras', index], doc, lc));
  });
  return { cameras, issues };
}

/** Loads every *.yaml / *.yml in a folder; duplicate camera ids keep the first and report the rest. */
export async function loadStreamsConfig(dir: string): Promise<LoadedConfig> {
  const names = (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
  const result: LoadedConfig = { cameras: [], sourceFile: new Map(), issues: [] };
  for (const name of names) {
    const file = path.join(dir, name);
    const { cameras, issues } = parseStreamsYaml(await readFile(file, 'utf8'), file);
    result.issues.push(...issues);
    for (const cam of cameras) {
      const first = result.sourceFile.get(cam.id);
      if (first) {
        result.issues.push({ file, path: 'cameras', message: `duplicate camera id ${cam.id} (first defined in ${first}); skipped` });
        continue;
      }
      result.cameras.push(cam);
      result.sourceFile.set(cam.id, file);
    }
  }
  return result;
}
