// Loads streams-config/*.yaml. A malformed file or camera is reported with file, YAML path
// and line, then skipped: one bad camera never takes the others down.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { z } from 'zod';
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

function zodIssues(
  err: z.ZodError,
  file: string,
  prefix: PropertyKey[],
  doc: Document,
  lc: LineCounter,
): ConfigIssue[] {
  return err.issues.map((issue) => {
    const segments = [...prefix, ...issue.path];
    return { file, path: yamlPath(segments), line: lineOf(doc, lc, segments), message: issue.message };
  });
}

/** Parses one YAML text; returns the valid cameras and an issue for every invalid one. */
export function parseStreamsYaml(text: string, file: string): { cameras: CameraConfig[]; issues: ConfigIssue[] } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true });
  if (doc.errors.length > 0) {
    return {
      cameras: [],
      issues: doc.errors.map((e) => ({
        file,
        path: '',
        line: e.linePos?.[0]?.line,
        message: `YAML syntax: ${e.message.split('\n')[0]}`,
      })),
    };
  }
  const top = StreamsFile.safeParse(doc.toJS() ?? {});
  if (!top.success) return { cameras: [], issues: zodIssues(top.error, file, [], doc, lc) };

  const cameras: CameraConfig[] = [];
  const issues: ConfigIssue[] = [];
  top.data.cameras.forEach((raw, index) => {
    const parsed = Camera.safeParse(raw);
    if (parsed.success) cameras.push(parsed.data);
    else issues.push(...zodIssues(parsed.error, file, ['cameras', index], doc, lc));
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
