// Officers' verdicts on hits: the store interface (PostgreSQL lives with the cases stage),
// an in-memory store and a JSON-file store for appliances and tests.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { RuleType } from '../../config/schema.ts';

export const Verdict = z.object({
  hitId: z.string().min(1),
  cameraId: z.string().min(1),
  zoneId: z.string().min(1),
  rule: RuleType,
  verdict: z.enum(['confirmed', 'rejected']),
  /** Why it was rejected (src/cases/lifecycle.ts RejectReason); stores hand analytics only rejections meaning "not a violation". */
  reason: z.string().optional(),
  /** The hit's box, normalised to the frame (0..1), i.e. the place. */
  box: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  embedding: z.array(z.number()).optional(),
  at: z.number(),
  officer: z.string().optional(),
  note: z.string().optional(),
});
export type VerdictT = z.infer<typeof Verdict>;

export interface VerdictStore {
  add(v: VerdictT): Promise<void>;
  /** Verdicts of one camera and rule, newest last. */
  list(cameraId: string, rule?: string): Promise<VerdictT[]>;
}

export class MemoryVerdictStore implements VerdictStore {
  protected verdicts: VerdictT[] = [];
  async add(v: VerdictT): Promise<void> {
    this.verdicts.push(Verdict.parse(v));
  }
  async list(cameraId: string, rule?: string): Promise<VerdictT[]> {
    return this.verdicts.filter((v) => v.cameraId === cameraId && (!rule || v.rule === rule));
  }
}

/** Whole file rewritten atomically on each add: verdicts arrive at officer speed. */
export class JsonFileVerdictStore extends MemoryVerdictStore {
  private constructor(private readonly file: string) {
    super();
  }

  static async open(file: string): Promise<JsonFileVerdictStore> {
    const s = new JsonFileVerdictStore(file);
    if (existsSync(file)) s.verdicts = z.array(Verdict).parse(JSON.parse(await readFile(file, 'utf8')));
    return s;
  }

  override async add(v: VerdictT): Promise<void> {
    await super.add(v);
    await mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(this.verdicts, null, 1));
    await rename(tmp, this.file);
  }
}
