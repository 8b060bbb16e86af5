// Second-stage crop check, after detection and tracking and before the rules: the crop of a
// track whose label has a check (a `truck`, …) is classified by an ImageNet classifier, and
// the track is vetoed for the check's rules when the crop looks like something else (a
// garbage container, a minivan, a tricycle). Model-agnostic: any detector's tracks, any
// classifier with class names. The decision and its scores go into the hit's attributes
// (`verification`), so into the evidence manifest.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { RuleType, type RuleTypeT } from '../../config/schema.ts';
import type { BgrImage } from '../../ingest/types.ts';
import { PROJECT_ROOT } from '../../inference/manifest.ts';
import type { Box } from '../../inference/types.ts';
import { area } from '../geometry.ts';
import type { Track } from '../tracker.ts';

export const VerifierCheck = z
  .object({
    /** Semantic label of the tracks to check. */
    label: z.string().min(1),
    /** Rules a vetoed track no longer arms. */
    rules: z.array(RuleType).min(1),
    /** Class names that support / contradict the label. */
    accept: z.array(z.string()).min(1),
    reject: z.array(z.string()).min(1),
    /** Veto when P(reject) − P(accept) exceeds this. */
    margin: z.number().min(-1).max(1),
    /** Crops whose shorter side is below this (image pixels) are not judged (kept). */
    minSide: z.number().min(0).default(16),
  })
  .strict();

export const VerifierConfig = z.object({ $comment: z.string().optional(), model: z.string().min(1), checks: z.array(VerifierCheck) }).strict();
export type VerifierConfigT = z.infer<typeof VerifierConfig>;
export const DEFAULT_VERIFIER_CONFIG = path.join(PROJECT_ROOT, 'models/verifier.json');

export async function loadVerifierConfig(file = DEFAULT_VERIFIER_CONFIG): Promise<VerifierConfigT> {
  const parsed = VerifierConfig.safeParse(JSON.parse(await readFile(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: invalid verifier config: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** A classifier of image regions; ImageNetClassifier (src/inference/mobilenet.ts) fits. */
export interface RegionClassifier {
  readonly modelId: string;
  readonly classNames: string[];
  classify(image: BgrImage, box: Box): Promise<{ probs: Float32Array }>;
}

export interface Verification {
  trackId: number;
  label: string;
  decision: 'kept' | 'vetoed';
  /** Summed probabilities of the accept / reject classes. */
  pAccept: number;
  pReject: number;
  margin: number;
  /** The classifier's three most probable classes. */
  top: Array<[string, number]>;
  model: string;
  /** Rules the veto applies to. */
  rules: RuleTypeT[];
}

/** Re-check a track when its box has grown this much since the last check (a closer, clearer view), at most MAX_CHECKS times. */
const REGROW = 1.5;
const MAX_CHECKS = 3;
/** Forget a track's verdict this long after it was last seen. */
const FORGET_MS = 600_000;

interface State {
  v: Verification;
  area: number;
  checks: number;
  lastSeen: number;
}

export class CropVerifier {
  private readonly states = new Map<number, State>();
  private readonly groups: Array<{ check: z.infer<typeof VerifierCheck>; accept: number[]; reject: number[] }>;
  /** Classifier runs and their total time (ms), for the cost per crop. */
  readonly stats = { crops: 0, ms: 0, vetoed: 0 };

  constructor(
    private readonly classifier: RegionClassifier,
    config: VerifierConfigT,
  ) {
    const index = (names: string[]): number[] =>
      names.map((n) => {
        const i = classifier.classNames.indexOf(n);
        if (i < 0) throw new Error(`verifier: class "${n}" is not a class of ${classifier.modelId}`);
        return i;
      });
    this.groups = config.checks.map((check) => ({ check, accept: index(check.accept), reject: index(check.reject) }));
  }

  /**
   * Checks the tracks of this sample whose label has a check (new, or grown since the last
   * check). `scale`: image pixels per source pixel. Cost: one classifier run per checked crop.
   */
  async review(tracks: readonly Track[], image: BgrImage, scale: number, now: number): Promise<void> {
    for (const t of tracks) {
      const g = this.groups.find((x) => x.check.label === t.label);
      if (!g) continue;
      const box = t.box.map((v) => v * scale) as Box;
      const st = this.states.get(t.id);
      if (st) st.lastSeen = now;
      if (Math.min(box[2] - box[0], box[3] - box[1]) < g.check.minSide) continue;
      if (st && (st.checks >= MAX_CHECKS || area(box) < st.area * REGROW)) continue;
      const t0 = performance.now();
      const { probs } = await this.classifier.classify(image, box);
      this.stats.crops++;
      this.stats.ms += performance.now() - t0;
      const v = { trackId: t.id, ...this.decide(g, probs) };
      if (v.decision === 'vetoed' && st?.v.decision !== 'vetoed') this.stats.vetoed++;
      this.states.set(t.id, { v, area: area(box), checks: (st?.checks ?? 0) + 1, lastSeen: now });
    }
    for (const [id, s] of this.states) if (now - s.lastSeen > FORGET_MS) this.states.delete(id);
  }

  /** The check's decision on a crop's class probabilities, for `label` (undefined: no check for it). */
  judge(label: string, probs: Float32Array): Omit<Verification, 'trackId'> | undefined {
    const g = this.groups.find((x) => x.check.label === label);
    return g ? this.decide(g, probs) : undefined;
  }

  private decide(g: CropVerifier['groups'][number], probs: Float32Array): Omit<Verification, 'trackId'> {
    const sum = (ix: number[]): number => ix.reduce((s, i) => s + probs[i]!, 0);
    const pAccept = sum(g.accept);
    const pReject = sum(g.reject);
    const top = [...probs.keys()].sort((a, b) => probs[b]! - probs[a]!).slice(0, 3).map((i) => [this.classifier.classNames[i]!, round3(probs[i]!)] as [string, number]);
    return {
      label: g.check.label,
      decision: pReject - pAccept > g.check.margin ? 'vetoed' : 'kept',
      pAccept: round3(pAccept),
      pReject: round3(pReject),
      margin: g.check.margin,
      top,
      model: this.classifier.modelId,
      rules: g.check.rules,
    };
  }

  /** Whether the track is vetoed for `rule`. */
  vetoed(trackId: number, rule: RuleTypeT): boolean {
    const v = this.states.get(trackId)?.v;
    return !!v && v.decision === 'vetoed' && v.rules.includes(rule);
  }

  /** The verdicts of these tracks (those checked). */
  verdicts(trackIds: readonly number[]): Verification[] {
    return trackIds.flatMap((id) => {
      const v = this.states.get(id)?.v;
      return v ? [v] : [];
    });
  }
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
