// The camera configuration contract: what a bureau's engineer writes in streams-config/*.yaml.
// Every stage reads cameras through these types; nothing downstream re-validates.
import { z } from 'zod';

/** GB/T 28181 device and channel ids are 20 decimal digits. */
export const GbId = z.string().regex(/^\d{20}$/, 'expected a 20-digit GB/T 28181 id');

/** A point in normalised image coordinates (0..1 from the top-left corner). */
export const Point = z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]);
export const Polygon = z.array(Point).min(3, 'a polygon needs at least 3 points');

const HhMm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (24 h)');

/** When a zone is enforced. `to` earlier than `from` wraps past midnight. Days: 1 = Monday … 7 = Sunday. */
export const ScheduleWindow = z.object({
  days: z.array(z.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5, 6, 7]),
  from: HhMm,
  to: HhMm,
});

/** Box size filter as a fraction of the frame area; filters detections before rules see them. */
const SizeFilter = z.object({
  minBoxArea: z.number().min(0).max(1).default(0),
  maxBoxArea: z.number().min(0).max(1).default(1),
});

const ZoneBase = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  polygon: Polygon,
  /** Empty or absent: always enforced. */
  schedule: z.array(ScheduleWindow).default([]),
  /** Do not alert again for the same place within this many seconds after a cleared hit. */
  cooldownSeconds: z.number().min(0).default(600),
  size: SizeFilter.default({ minBoxArea: 0, maxBoxArea: 1 }),
});

export const NoVendingZone = ZoneBase.extend({
  type: z.literal('no-vending'),
  dwellSeconds: z.number().positive().default(300),
  minScore: z.number().min(0).max(1).default(0.35),
  /** Pixels a stationary box centre may wander, as a fraction of its own diagonal. */
  jitterTolerance: z.number().min(0).max(1).default(0.25),
});

export const BinPointZone = ZoneBase.extend({
  type: z.literal('bin-point'),
  dwellSeconds: z.number().positive().default(600),
  /** Classifier probability above which the bin point counts as overflowing. */
  overflowThreshold: z.number().min(0).max(1).default(0.6),
});

/** A registered sign (normalised box) that is allowed inside a protected surface. */
export const SignageBox = z.object({
  box: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  text: z.string().optional(),
});

export const ProtectedSurfaceZone = ZoneBase.extend({
  type: z.literal('protected-surface'),
  persistSeconds: z.number().positive().default(120),
  minTextScore: z.number().min(0).max(1).default(0.5),
  baseline: z.array(SignageBox).default([]),
});

export const RoadZone = ZoneBase.extend({
  type: z.literal('road'),
  persistSeconds: z.number().positive().default(60),
  /** Smallest debris blob, as a fraction of the zone area. */
  minDebrisArea: z.number().min(0).max(1).default(0.002),
});

export const Zone = z.discriminatedUnion('type', [NoVendingZone, BinPointZone, ProtectedSurfaceZone, RoadZone]);

export const RtspSource = z.object({
  kind: z.literal('rtsp'),
  url: z.string().regex(/^rtsps?:\/\//, 'expected an rtsp:// or rtsps:// URL'),
  transport: z.enum(['tcp', 'udp']).default('tcp'),
});
export const Gb28181Source = z.object({
  kind: z.literal('gb28181'),
  deviceId: GbId,
  channelId: GbId,
  /** RTP over UDP or TCP (passive: device connects to us). */
  transport: z.enum(['udp', 'tcp-passive', 'tcp-active']).default('udp'),
});
export const FileSource = z.object({
  kind: z.literal('file'),
  path: z.string().min(1),
  loop: z.boolean().default(false),
  /** Read at native speed like a live camera (true) or as fast as decoding allows. */
  realtime: z.boolean().default(true),
});
export const Source = z.discriminatedUnion('kind', [RtspSource, Gb28181Source, FileSource]);

export const RuleType = z.enum(['vending', 'overflow', 'ads', 'spillage']);

export const Location = z.object({
  district: z.string().min(1),
  street: z.string().min(1),
  address: z.string().optional(),
  lat: z.number().min(-90).max(90).optional(),
  lng: z.number().min(-180).max(180).optional(),
});

export const Camera = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected 1-64 letters, digits, _ or -'),
  name: z.string().min(1),
  location: Location,
  source: Source,
  sampling: z
    .object({
      /** Samples per second sent to the detectors. */
      fps: z.number().positive().max(30).default(1),
      /** 'auto': decode keyframes only when the sample interval exceeds the GOP. */
      keyframesOnly: z.union([z.boolean(), z.literal('auto')]).default('auto'),
    })
    .default({ fps: 1, keyframesOnly: 'auto' }),
  /** 重点点位: visited first and more often by the patrol scheduler. */
  keyPoint: z.boolean().default(false),
  enabled: z.boolean().default(true),
  rules: z.array(RuleType).default([]),
  zones: z.array(Zone).default([]),
  /** Regions never analysed, e.g. the camera's own on-screen text strip. */
  masks: z.array(Polygon).default([]),
  /** Model ids (from models/manifest.json) per role; defaults apply when absent. */
  models: z
    .object({
      detector: z.string().default('yolox-nano'),
      textDetector: z.string().default('ppocr-v4-det'),
      textRecognizer: z.string().default('ppocr-v4-rec'),
      face: z.string().default('yunet'),
    })
    .default({ detector: 'yolox-nano', textDetector: 'ppocr-v4-det', textRecognizer: 'ppocr-v4-rec', face: 'yunet' }),
});

/** One streams-config/*.yaml file: a list of cameras. */
export const StreamsFile = z.object({
  cameras: z.array(z.unknown()).default([]),
});

export type GbIdT = z.infer<typeof GbId>;
export type PointT = z.infer<typeof Point>;
export type PolygonT = z.infer<typeof Polygon>;
export type ScheduleWindowT = z.infer<typeof ScheduleWindow>;
export type ZoneT = z.infer<typeof Zone>;
export type ZoneType = ZoneT['type'];
export type SourceT = z.infer<typeof Source>;
export type RuleTypeT = z.infer<typeof RuleType>;
export type CameraConfig = z.infer<typeof Camera>;
