// Runs one labelled case through real detectors and the AnalyticsEngine, and scores the
// opened alerts against what was expected.
import type { Detection, Detector } from '../../src/inference/types.ts';
import { AnalyticsEngine, type EngineOptions } from '../../src/analytics/engine.ts';
import { samePlace } from '../../src/analytics/dedup.ts';
import type { HitEventT } from '../../src/contracts/hit.ts';
import { BASE_TIME, type EvalCase } from './cases.ts';
import type { TextReader } from '../../src/analytics/rules/ads.ts';
import type { OverflowScorer } from '../../src/analytics/rules/overflow.ts';

export interface Models {
  objects?: Detector;
  text?: Detector;
  reader?: TextReader;
  overflow?: OverflowScorer;
}

export interface CaseResult {
  name: string;
  rule: string;
  composite: boolean;
  samples: number;
  events: HitEventT[];
  opened: number;
  cleared: number;
  tp: number;
  fp: number;
  fn: number;
  /** Expected hits whose cleared event came in time (when the case checks it). */
  clearedInTime: number;
  phoneNumbersOk: boolean;
  seconds: number;
}

export async function runCase(c: EvalCase, models: Models, engineOpts: EngineOptions = {}): Promise<CaseResult> {
  const t0 = Date.now();
  const engine = new AnalyticsEngine(c.camera, { textReader: models.reader, overflow: models.overflow, ...engineOpts });
  const memo = new Map<string, Detection[]>();
  const events: HitEventT[] = [];
  let samples = 0;
  for await (const s of c.samples()) {
    let dets = s.key ? memo.get(s.key) : undefined;
    if (!dets) {
      dets = [];
      if (c.needs.includes('objects') && models.objects) dets.push(...(await models.objects.detect(s.image)));
      if (c.needs.includes('text') && models.text) dets.push(...(await models.text.detect(s.image)));
      if (s.key) memo.set(s.key, dets);
    }
    events.push(...(await engine.process({ frameTime: BASE_TIME + s.t * 1000, detections: dets, image: s.image })));
    samples++;
  }
  return { ...score(c, events), name: c.name, rule: c.rule, composite: c.composite, samples, events, seconds: (Date.now() - t0) / 1000 };
}

function score(c: EvalCase, events: HitEventT[]) {
  const opened = events.filter((e) => e.event === 'opened');
  const cleared = events.filter((e) => e.event === 'cleared');
  const used = new Set<HitEventT>();
  let tp = 0;
  let clearedInTime = 0;
  let phoneNumbersOk = true;
  for (const x of c.expected) {
    const hit = opened.find((e) => {
      const t = (e.at - BASE_TIME) / 1000;
      return !used.has(e) && t >= x.from && t <= x.to && samePlace(e.place.box, x.box, 0.3);
    });
    if (!hit) continue;
    used.add(hit);
    tp++;
    if (c.clearBy) {
      const cl = cleared.find((e) => e.hitId === hit.hitId);
      if (cl && (cl.at - BASE_TIME) / 1000 <= x.to + c.clearBy) clearedInTime++;
    }
    if (x.phoneNumbers) {
      const last = [...events].reverse().find((e) => e.hitId === hit.hitId && e.event !== 'cleared') ?? hit;
      const got = last.rule === 'ads' ? last.attributes.phoneNumbers : [];
      phoneNumbersOk &&= x.phoneNumbers.every((p) => got.includes(p));
    }
  }
  return { opened: opened.length, cleared: cleared.length, tp, fp: opened.length - tp, fn: c.expected.length - tp, clearedInTime, phoneNumbersOk };
}
