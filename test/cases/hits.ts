// Builds realistic hit events for tests.
import type { HitEventT } from '../../src/analytics/hit.ts';
import type { RuleTypeT } from '../../src/config/schema.ts';

export function makeHit(n: number, over: Partial<HitEventT> = {}): HitEventT {
  const rule: RuleTypeT = over.rule ?? 'vending';
  const startedAt = over.startedAt ?? Date.UTC(2026, 10, 23, 2, 0, 0) + n * 60_000;
  return {
    hitId: `cam-a:sidewalk:${n}`,
    event: 'opened',
    seq: 0,
    cameraId: 'cam-a',
    zoneId: 'sidewalk',
    rule,
    startedAt,
    at: startedAt + 300_000,
    score: 0.8,
    detections: [{ box: [10, 20, 110, 220], score: 0.8, classId: 0, className: 'person', label: 'person', modelId: 'yolox-nano' }],
    thresholds: { dwellSeconds: 300, minScore: 0.35 },
    attributes: {},
    ...over,
  };
}
