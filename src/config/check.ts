// Every config file an appliance reads, checked strictly at once: cameras (streams-config/),
// the GB28181 server file, the model manifest and the violation codes. Each issue carries
// file:line and, for an unknown key, a "did you mean". Used by `huiyan config check`.
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { loadStreamsConfig, parseStrict, type ConfigIssue, type StrictPart } from './load.ts';
import { Gb28181Config } from '../ingest/gb28181/config.ts';
import { Manifest, DEFAULT_MANIFEST, entrySchema } from '../inference/manifest.ts';
import { CodesFile, DEFAULT_CODES_FILE } from '../cases/codes.ts';

export interface CheckTargets {
  streamsDir: string;
  gb28181File?: string;
  manifestFile?: string;
  codesFile?: string;
}

async function checkFile<S extends Parameters<typeof parseStrict>[0]>(schema: S, file: string, parts?: (value: z.infer<S>) => StrictPart[]): Promise<ConfigIssue[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    return [{ file, path: '', message: `cannot read: ${(e as Error).message}` }];
  }
  return parseStrict(schema, text, file, parts).issues;
}

/** All issues of all files (empty: everything is valid). */
export async function checkConfig(t: CheckTargets): Promise<{ issues: ConfigIssue[]; cameras: number; files: string[] }> {
  const issues: ConfigIssue[] = [];
  const files: string[] = [t.streamsDir];
  let cameras = 0;
  try {
    const loaded = await loadStreamsConfig(t.streamsDir);
    issues.push(...loaded.issues);
    cameras = loaded.cameras.length;
  } catch (e) {
    issues.push({ file: t.streamsDir, path: '', message: `cannot read: ${(e as Error).message}` });
  }
  if (t.gb28181File) {
    files.push(t.gb28181File);
    issues.push(...(await checkFile(Gb28181Config, t.gb28181File)));
  }
  const manifest = t.manifestFile ?? DEFAULT_MANIFEST;
  files.push(manifest);
  issues.push(...(await checkFile(Manifest, manifest, (m) => m.models.map((entry, i) => ({ schema: entrySchema(entry), path: ['models', i] })))));
  const codes = t.codesFile ?? DEFAULT_CODES_FILE;
  files.push(codes);
  issues.push(...(await checkFile(CodesFile, codes)));
  return { issues, cameras, files };
}
