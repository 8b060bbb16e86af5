// The contract between analytics and everything after it (evidence, cases, alerts). Hits
// cross process boundaries through BullMQ, so they are validated with zod there.
import { z } from 'zod';
import { AdsAttributes, BicyclesAttributes, CrowdingAttributes, MaterialsAttributes, OutsideShopAttributes, OverflowAttributes, ParkingAttributes, SpillageAttributes, VendingAttributes } from './attributes.ts';
import { BoxSchema, DetectionSchema } from './detection.ts';

/** A second-stage crop check of a track the hit names (src/analytics/verifier). */
export const CropCheck = z.object({
  trackId: z.number().int(),
  label: z.string(),
  decision: z.enum(['kept', 'vetoed']),
  /** Summed classifier probabilities of the check's accept / reject classes. */
  pAccept: z.number().min(0).max(1),
  pReject: z.number().min(0).max(1),
  margin: z.number(),
  /** The classifier's three most probable classes. */
  top: z.array(z.tuple([z.string(), z.number()])),
  model: z.string(),
  rules: z.array(z.string()),
});
export type CropCheckT = z.infer<typeof CropCheck>;

const HitBase = z.object({
  /** Stable from `opened` to `cleared`, so every consumer can be idempotent on (hitId, seq). */
  hitId: z.string().min(1),
  event: z.enum(['opened', 'updated', 'cleared']),
  /** Increases with every event of the same hit. */
  seq: z.number().int().min(0),
  cameraId: z.string().min(1),
  zoneId: z.string().min(1),
  /** ms since epoch: when the violation was first seen, and when this event happened. */
  startedAt: z.number(),
  at: z.number(),
  /** When a sample last showed the violation. */
  lastSeenAt: z.number(),
  score: z.number().min(0).max(1),
  /** Where: the hit's box in source pixels and the frame it is in (place = box / frameSize). */
  place: z.object({ box: BoxSchema, frameSize: z.tuple([z.number().positive(), z.number().positive()]) }),
  detections: z.array(DetectionSchema),
  /**
   * Contributors beyond the detections' own `modelId`s (tracker, background model, OCR
   * reader). Every id here and in `detections` resolves in the model registry
   * (src/inference/registry.ts), which the evidence step records in the bundle.
   */
  models: z.array(z.string()).default([]),
  /** Rule parameters in force, recorded in the evidence for legal review. */
  thresholds: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  /** Crop checks of the tracks behind the hit (vending members, the spillage truck). */
  verification: z.array(CropCheck).optional(),
  /** Score added by similar confirmed verdicts at this place (src/analytics/feedback). */
  verdictBoost: z.number().min(0).optional(),
  /** A standard violation code that overrides the rule's primary one (src/cases/codes.yaml). */
  standardCode: z.string().optional(),
  /**
   * Warn-first zones (限时整改): this `updated` or `cleared` event carries a frame of the scene now
   * — the violation still there at the end of the grace period, or the place after it ended —
   * and goes through the evidence step like an `opened` one.
   */
  evidenceDue: z.boolean().optional(),
  /**
   * Warn-first: with `evidenceDue` on an `updated` event, the camera went silent — no sample
   * analysed since the end of the grace period — and the frame is the newest the detector's
   * ring holds (the last picture before the silence), not a look after the time limit.
   */
  cameraSilent: z.boolean().optional(),
  /** Appearance embedding for learning from officers' verdicts. */
  embedding: z.array(z.number()).optional(),
});

/** One event in the life of a violation, with the attributes of its rule. */
export const HitEvent = z.discriminatedUnion('rule', [
  HitBase.extend({ rule: z.literal('vending'), attributes: VendingAttributes }),
  HitBase.extend({ rule: z.literal('overflow'), attributes: OverflowAttributes }),
  HitBase.extend({ rule: z.literal('ads'), attributes: AdsAttributes }),
  HitBase.extend({ rule: z.literal('spillage'), attributes: SpillageAttributes }),
  HitBase.extend({ rule: z.literal('parking'), attributes: ParkingAttributes }),
  HitBase.extend({ rule: z.literal('crowding'), attributes: CrowdingAttributes }),
  HitBase.extend({ rule: z.literal('bicycles'), attributes: BicyclesAttributes }),
  HitBase.extend({ rule: z.literal('materials'), attributes: MaterialsAttributes }),
  HitBase.extend({ rule: z.literal('outside_shop'), attributes: OutsideShopAttributes }),
]);

export type HitEventT = z.infer<typeof HitEvent>;
export type HitEventInput = z.input<typeof HitEvent>;
