// Rule-specific findings of a hit, one typed shape per rule. Later stages (pipeline, evidence,
// cases, API) read them only after narrowing on `hit.rule`, so a rule cannot rename a field
// under a reader. Strict: an attribute a rule adds must be declared here.
import { z } from 'zod';
import { BoxSchema } from './detection.ts';

/** 占道经营: the stationary cluster of people and vendor objects. */
export const VendingAttributes = z.strictObject({
  trackIds: z.array(z.number().int()),
  persons: z.number().int().min(0),
  /** Class names of the vendor objects, sorted. */
  objects: z.array(z.string()),
});

/** 垃圾满溢: the classifier's probability on the latest sample. */
export const OverflowAttributes = z.strictObject({
  probability: z.number().min(0).max(1),
});

/** A phone number read from a poster (src/analytics/reading). */
export const PhoneReading = z.object({
  /** National form: `13812345678`, `021-65432198`, `400-820-8820`. */
  number: z.string(),
  e164: z.string(),
  kind: z.enum(['mobile', 'landline', 'service']),
  extension: z.string().optional(),
  areaCodeFromCamera: z.boolean().optional(),
  lines: z.array(z.number().int()),
  source: z.string(),
  confidence: z.number().min(0).max(1),
  /** Boxes (source pixels) of the text lines it was read from: blurred in stills shown without `pii:read`. */
  boxes: z.array(BoxSchema).optional(),
});

/** A licence plate voted over a track's frames: normalised text (`鲁Q1V825`), GA 36 kind, 0..1 confidence. */
export const PlateVoteReading = z.object({
  plate: z.string(),
  kind: z.enum(['ordinary', 'new-energy']),
  confidence: z.number().min(0).max(1),
  votes: z.number().int().min(0),
  reads: z.number().int().min(0),
  /** The plate's box (source pixels) on the frame of its best read, at `boxAt` (ms): blurred in stills shown without `pii:read`. */
  box: BoxSchema.optional(),
  boxAt: z.number().optional(),
});

/** 违规广告: the poster's text, top to bottom, and the phone numbers on it. */
export const AdsAttributes = z.strictObject({
  texts: z.array(z.string()),
  /** National form, for search and the case view. */
  phoneNumbers: z.array(z.string()),
  phones: z.array(PhoneReading).optional(),
  lines: z.number().int().min(0),
});

/** 渣土车遗撒: the truck blamed for the debris, and the debris found. */
export const SpillageAttributes = z.strictObject({
  truckTrackId: z.number().int(),
  /** ms since epoch of the truck's best (largest, most confident) sample: the plate frame. */
  truckBestFrameAt: z.number(),
  truckBox: BoxSchema,
  truckPassedAt: z.tuple([z.number(), z.number()]),
  debrisRegions: z.number().int().min(0),
  debrisPixels: z.number().min(0),
  /** The truck's plate voted over the frames of its track (src/analytics/reading/plate.ts). */
  plate: PlateVoteReading.optional(),
});

/** 机动车违停: the vehicle standing in the zone, where it was when its dwell began and now. */
export const ParkingAttributes = z.strictObject({
  trackId: z.number().int(),
  /** COCO class of the vehicle: car, truck or bus. */
  vehicle: z.string(),
  /** ms since epoch when the vehicle came to a stand (the dwell's start) and its box then, in source pixels. */
  stoppedAt: z.number(),
  stoppedBox: BoxSchema,
  /** Seconds it has stood so far. */
  standingSeconds: z.number().min(0),
  /** The plate voted over the frames of the vehicle's track (src/analytics/reading/plate.ts). */
  plate: PlateVoteReading.optional(),
});

/** 人群聚集: the most people seen in the zone at once while the crowd lasted. */
export const CrowdingAttributes = z.strictObject({
  peakPersons: z.number().int().min(0),
  /** ms since epoch of the sample with the peak count. */
  peakAt: z.number(),
});

/** 店外经营: the goods standing beyond the shop's frontage line, and the shop bound to the zone. */
export const OutsideShopAttributes = z.strictObject({
  /** Licence number (统一社会信用代码) of the shop bound to the frontage zone: the case's party (src/cases/parties/link.ts). */
  partyLicenceNo: z.string(),
  trackIds: z.array(z.number().int()),
  /** COCO classes of the goods beyond the line (chair, umbrella…), sorted. */
  objects: z.array(z.string()),
  /** ms since epoch when the first of them came to rest beyond the line (the dwell's start). */
  standingSince: z.number(),
});

/** 非机动车乱停放: the most two-wheelers seen standing past the dwell at once, by COCO class. */
export const BicyclesAttributes = z.strictObject({
  peakVehicles: z.number().int().min(0),
  /** ms since epoch of the sample with the peak count. */
  peakAt: z.number(),
  /** Of the peak: bicycles and motorcycles (e-bikes are seen as either). */
  bicycles: z.number().int().min(0),
  motorcycles: z.number().int().min(0),
});

/** 乱堆物料: the pile found by the background model (src/analytics/background.ts); it appeared at the hit's `startedAt`, its box is the hit's place. */
export const MaterialsAttributes = z.strictObject({
  /** Its size as a fraction of the zone's area, to 2 decimals (so that pixel noise does not update the hit). */
  zoneFraction: z.number().min(0),
});

export type VendingAttributesT = z.infer<typeof VendingAttributes>;
export type OverflowAttributesT = z.infer<typeof OverflowAttributes>;
export type AdsAttributesT = z.infer<typeof AdsAttributes>;
export type SpillageAttributesT = z.infer<typeof SpillageAttributes>;
export type ParkingAttributesT = z.infer<typeof ParkingAttributes>;
export type CrowdingAttributesT = z.infer<typeof CrowdingAttributes>;
export type BicyclesAttributesT = z.infer<typeof BicyclesAttributes>;
export type MaterialsAttributesT = z.infer<typeof MaterialsAttributes>;
export type OutsideShopAttributesT = z.infer<typeof OutsideShopAttributes>;
export type PhoneReadingT = z.infer<typeof PhoneReading>;

/** A rule with its attributes: the discriminated part of a finding and of a hit. */
export type RuleAttributes =
  | { rule: 'vending'; attributes: VendingAttributesT }
  | { rule: 'overflow'; attributes: OverflowAttributesT }
  | { rule: 'ads'; attributes: AdsAttributesT }
  | { rule: 'spillage'; attributes: SpillageAttributesT }
  | { rule: 'parking'; attributes: ParkingAttributesT }
  | { rule: 'crowding'; attributes: CrowdingAttributesT }
  | { rule: 'bicycles'; attributes: BicyclesAttributesT }
  | { rule: 'materials'; attributes: MaterialsAttributesT }
  | { rule: 'outside_shop'; attributes: OutsideShopAttributesT };
