// Builds realistic hit events for tests.
import type { HitEventT } from '../../src/contracts/hit.ts';
import type { RuleTypeT } from '../../src/config/schema.ts';

/** Attributes as each rule reports them. */
export const SAMPLE_ATTRIBUTES: { [R in RuleTypeT]: Extract<HitEventT, { rule: R }>['attributes'] } = {
  vending: { trackIds: [3, 7], persons: 1, objects: ['umbrella'] },
  overflow: { probability: 0.91 },
  ads: { texts: ['专业疏通下水道', '电话 138-1234-5678'], phoneNumbers: ['13812345678'], lines: 2 },
  spillage: { truckTrackId: 4, truckBestFrameAt: 0, truckBox: [100, 80, 300, 220], truckPassedAt: [0, 8000], debrisRegions: 2, debrisPixels: 40 },
  parking: { trackId: 2, vehicle: 'car', stoppedAt: 0, stoppedBox: [651, 42, 722, 100], standingSeconds: 300 },
  crowding: { peakPersons: 12, peakAt: 0 },
  bicycles: { peakVehicles: 4, peakAt: 0, bicycles: 3, motorcycles: 1 },
  materials: { zoneFraction: 0.03 },
  outside_shop: { partyLicenceNo: '91310104MA1FL5XQ2K', trackIds: [5], objects: ['umbrella'], standingSince: 0 },
};

export function makeHit(
  n: number,
  over: Partial<Omit<HitEventT, 'rule' | 'attributes'>> & { rule?: RuleTypeT; attributes?: Partial<HitEventT['attributes']> } = {},
): HitEventT {
  const rule: RuleTypeT = over.rule ?? 'vending';
  const startedAt = over.startedAt ?? Date.UTC(2026, 10, 23, 2, 0, 0) + n * 60_000;
  // rule and its attributes agree by construction; TS cannot see that through the index.
  return {
    hitId: `cam-a:sidewalk:${n}`,
    event: 'opened',
    seq: 0,
    cameraId: 'cam-a',
    zoneId: 'sidewalk',
    startedAt,
    at: startedAt + 300_000,
    lastSeenAt: startedAt + 300_000,
    score: 0.8,
    place: { box: [10, 20, 110, 220], frameSize: [1280, 720] },
    detections: [{ box: [10, 20, 110, 220], score: 0.8, classId: 0, className: 'person', label: 'person', modelId: 'yolox-nano' }],
    models: ['tracker'],
    thresholds: { dwellSeconds: 300, minScore: 0.35 },
    ...over,
    rule,
    attributes: { ...SAMPLE_ATTRIBUTES[rule], ...over.attributes },
  } as HitEventT;
}
