// The camera configuration contract: what a bureau's engineer writes in streams-config/*.yaml.
// Every stage reads cameras through these types; nothing downstream re-validates.
import { z } from 'zod';
import { rawUrlProblem } from '../ingest/credentials.ts';

/** GB/T 28181 device and channel ids are 20 decimal digits. */
export const GbId = z.string().regex(/^\d{20}$/, 'expected a 20-digit GB/T 28181 id');

/** A point in normalised image coordinates (0..1 from the top-left corner). */
export const Point = z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]);
export const Polygon = z.array(Point).min(3, 'a polygon needs at least 3 points');
/** An open line of two or more points, normalised like a polygon. */
export const Polyline = z.array(Point).min(2, 'a line needs at least 2 points');

const HhMm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (24 h)');

/** When a zone is enforced. `to` earlier than `from` wraps past midnight. Days: 1 = Monday … 7 = Sunday. */
export const ScheduleWindow = z.object({
  days: z.array(z.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5, 6, 7]),
  from: HhMm,
  to: HhMm,
}).strict();

/** Box size filter as a fraction of the frame area; filters detections before rules see them. */
const SizeFilter = z.object({
  minBoxArea: z.number().min(0).max(1).default(0),
  maxBoxArea: z.number().min(0).max(1).default(1),
}).strict();

/** Template text: {place} {rule} {time} {grace} are filled in (src/cases/warn.ts). */
const Template = z.string().min(1).max(500);
/** Request headers of a channel; a value `env:NAME` is read from the environment (API tokens). */
const Headers = z.record(z.string().regex(/^[A-Za-z0-9-]+$/), z.string().min(1));

/** An IP loudspeaker's text-to-speech request: POST {text, repeat} as JSON to `url`. */
export const LoudspeakerChannel = z.object({
  kind: z.literal('loudspeaker'),
  url: z.url(),
  text: Template.optional(),
  /** How often the speaker says it. */
  repeat: z.number().int().min(1).max(10).default(2),
  headers: Headers.optional(),
  timeoutMs: z.number().int().positive().default(10_000),
}).strict();

/** An SMS gateway request: POST {to, text} as JSON to `url`, to these numbers and/or the case's party. */
export const SmsChannel = z.object({
  kind: z.literal('sms'),
  url: z.url(),
  to: z.array(z.string().regex(/^\+?\d{5,20}$/, 'expected a phone number of digits')).default([]),
  /** Also text the contact phone of the case's party (执法对象) when one is linked. */
  toParty: z.boolean().default(false),
  text: Template.optional(),
  headers: Headers.optional(),
  timeoutMs: z.number().int().positive().default(10_000),
}).strict().refine((c) => c.to.length > 0 || c.toParty, { message: 'an sms channel needs `to` numbers or `toParty: true`' });

/** A signed webhook (src/dispatch/webhook.ts) to an endpoint of HUIYAN_WEBHOOKS, by its id. */
export const WebhookChannel = z.object({
  kind: z.literal('webhook'),
  endpoint: z.string().regex(/^[\w-]+$/),
  text: Template.optional(),
}).strict();

export const WarnChannel = z.discriminatedUnion('kind', [LoudspeakerChannel, SmsChannel, WebhookChannel]);

/**
 * Warn first, file later (限时整改): on detection the channels warn the party; the violation
 * ended within `graceSeconds` of detection closes as self-corrected, one still seen then
 * becomes an ordinary case (docs/cases.md).
 */
export const WarnFirst = z.object({
  graceSeconds: z.number().int().min(1).max(7 * 86_400),
  channels: z.array(WarnChannel).min(1),
}).strict();

const ZoneBase = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  polygon: Polygon,
  /** Empty or absent: always enforced. */
  schedule: z.array(ScheduleWindow).default([]),
  /** Do not alert again for the same place within this many seconds after a cleared hit. */
  cooldownSeconds: z.number().min(0).default(600),
  size: SizeFilter.default({ minBoxArea: 0, maxBoxArea: 1 }),
  /** Warn and give time to correct before a case is filed (限时整改). */
  warnFirst: WarnFirst.optional(),
}).strict();

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
  /**
   * Classifier score above which the bin point counts as overflowing; 0.5 is the head's
   * operating point (chosen for precision, models/overflow-head.json), higher is stricter.
   */
  overflowThreshold: z.number().min(0).max(1).default(0.5),
});

/** A registered sign (normalised box) that is allowed inside a protected surface. */
export const SignageBox = z.object({
  box: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  text: z.string().optional(),
}).strict();

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

/** 机动车违停: a car, truck or bus that stands still in the zone for longer than the dwell. */
export const NoParkingZone = ZoneBase.extend({
  type: z.literal('no-parking'),
  dwellSeconds: z.number().positive().default(300),
  minScore: z.number().min(0).max(1).default(0.4),
  /** How far the box centre may move while the vehicle counts as standing, as a fraction of its box diagonal. */
  stillTolerance: z.number().min(0).max(1).default(0.1),
});

/** 人群聚集: at least minPersons people in the zone for longer than durationSeconds. */
export const CrowdZone = ZoneBase.extend({
  type: z.literal('crowd'),
  minPersons: z.number().int().min(2).default(10),
  durationSeconds: z.number().positive().default(60),
  /** Detector score from which a person counts. */
  minScore: z.number().min(0).max(1).default(0.4),
});

/**
 * 非机动车乱停放: at least minVehicles bicycles or motorcycles (e-bikes look like either to the
 * COCO detector) each standing in the zone for longer than dwellSeconds.
 */
export const NoBicycleParkingZone = ZoneBase.extend({
  type: z.literal('no-bicycle-parking'),
  dwellSeconds: z.number().positive().default(300),
  minVehicles: z.number().int().min(1).default(3),
  /** Detector score from which a two-wheeler counts. */
  minScore: z.number().min(0).max(1).default(0.35),
  /** How far the box centre may move while the two-wheeler counts as standing, as a fraction of its box diagonal. */
  stillTolerance: z.number().min(0).max(1).default(0.25),
});

/** 乱堆物料: a new static object (the background model) that is no person or vehicle, bigger than minArea, persisting persistSeconds. */
export const NoPilingZone = ZoneBase.extend({
  type: z.literal('no-piling'),
  persistSeconds: z.number().positive().default(600),
  /** Smallest pile, as a fraction of the zone area. */
  minArea: z.number().min(0).max(1).default(0.01),
});

/**
 * 店外经营: a shop's frontage. Goods and furniture (src/analytics/rules/outside-shop.ts) standing
 * still on the street side of the frontage line, inside the polygon, for longer than the dwell.
 */
export const ShopFrontageZone = ZoneBase.extend({
  type: z.literal('shop-frontage'),
  /** The shop's frontage line (门前经营界线), drawn along its front; the street lies on one side. */
  frontage: Polyline,
  /** The street's side of the line, seen on the picture while walking the line from its first point to its last. */
  streetSide: z.enum(['left', 'right']),
  /** The shop bound to this frontage: its licence number (统一社会信用代码) in the party registry (src/cases/parties). */
  partyLicenceNo: z.string().trim().min(1).max(64),
  dwellSeconds: z.number().positive().default(300),
  minScore: z.number().min(0).max(1).default(0.4),
});

export const Zone = z.discriminatedUnion('type', [NoVendingZone, BinPointZone, ProtectedSurfaceZone, RoadZone, NoParkingZone, CrowdZone, NoBicycleParkingZone, NoPilingZone, ShopFrontageZone]);

export const RtspSource = z
  .object({
    kind: z.literal('rtsp'),
    /** rtsp://host[:port]/path; credentials better go in user/password (we percent-encode them). */
    url: z.string().regex(/^rtsps?:\/\//, 'expected an rtsp:// or rtsps:// URL'),
    transport: z.enum(['tcp', 'udp']).default('tcp'),
    user: z.string().optional(),
    password: z.string().optional(),
    /** Names of environment variables holding the user / password (keeps secrets out of the file). */
    userEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
    passwordEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const problem = rawUrlProblem(s.url);
    if (problem) ctx.addIssue({ code: 'custom', path: ['url'], message: problem });
    const separate = s.user !== undefined || s.password !== undefined || s.userEnv !== undefined || s.passwordEnv !== undefined;
    if (separate && /^[^/]*\/\/[^/]*@/.test(s.url)) ctx.addIssue({ code: 'custom', path: ['url'], message: 'credentials are given twice: drop them from the URL or drop user/password' });
    if (s.password !== undefined && s.passwordEnv !== undefined) ctx.addIssue({ code: 'custom', path: ['passwordEnv'], message: 'give password or passwordEnv, not both' });
    if (s.user !== undefined && s.userEnv !== undefined) ctx.addIssue({ code: 'custom', path: ['userEnv'], message: 'give user or userEnv, not both' });
  });
export const Gb28181Source = z.object({
  kind: z.literal('gb28181'),
  deviceId: GbId,
  channelId: GbId,
  /** RTP over UDP or TCP (passive: device connects to us). */
  transport: z.enum(['udp', 'tcp-passive', 'tcp-active']).default('udp'),
}).strict();
export const FileSource = z.object({
  kind: z.literal('file'),
  path: z.string().min(1),
  loop: z.boolean().default(false),
  /** Read at native speed like a live camera (true) or as fast as decoding allows. */
  realtime: z.boolean().default(true),
}).strict();
export const Source = z.discriminatedUnion('kind', [RtspSource, Gb28181Source, FileSource]);

export const RuleType = z.enum(['vending', 'overflow', 'ads', 'spillage', 'parking', 'crowding', 'bicycles', 'materials', 'outside_shop']);

export const Location = z.object({
  district: z.string().min(1),
  street: z.string().min(1),
  address: z.string().optional(),
  lat: z.number().min(-90).max(90).optional(),
  lng: z.number().min(-180).max(180).optional(),
  /** Telephone area code (区号) of the place, e.g. '021': completes landlines written without one. */
  areaCode: z.string().regex(/^0\d{2,3}$/, "expected a Chinese area code such as '021' or '0755'").optional(),
}).strict();

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
    .strict()
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
    .strict()
    .default({ detector: 'yolox-nano', textDetector: 'ppocr-v4-det', textRecognizer: 'ppocr-v4-rec', face: 'yunet' }),
  /** Watchdog bounds (s) for this camera; the stall timeout adapts to the frame interval the
   *  camera delivers, within [stallSeconds, maxStallSeconds]. Absent: the deployment's defaults. */
  watchdog: z
    .object({
      stallSeconds: z.number().positive().optional(),
      maxStallSeconds: z.number().positive().optional(),
      connectSeconds: z.number().positive().optional(),
    })
    .strict()
    .optional(),
}).strict();

/** One streams-config/*.yaml file: a list of cameras. */
export const StreamsFile = z.object({
  cameras: z.array(z.unknown()).default([]),
}).strict();

export type GbIdT = z.infer<typeof GbId>;
export type PointT = z.infer<typeof Point>;
export type PolygonT = z.infer<typeof Polygon>;
export type ScheduleWindowT = z.infer<typeof ScheduleWindow>;
export type ZoneT = z.infer<typeof Zone>;
export type ZoneType = ZoneT['type'];
export type SourceT = z.infer<typeof Source>;
export type RuleTypeT = z.infer<typeof RuleType>;
export type CameraConfig = z.infer<typeof Camera>;
export type WarnFirstT = z.infer<typeof WarnFirst>;
export type WarnChannelT = z.infer<typeof WarnChannel>;
