// What every rule sees and returns. A rule instance belongs to one zone of one camera and
// keeps its own timers (dwell, persistence) between samples.
import type { CameraConfig, RuleTypeT, ZoneT } from '../../config/schema.ts';
import type { BgrImage } from '../../ingest/types.ts';
import type { Detection } from '../../inference/types.ts';
import type { Finding } from '../dedup.ts';
import type { Pt } from '../geometry.ts';
import type { Track } from '../tracker.ts';

export interface RuleContext {
  camera: CameraConfig;
  now: number;
  /** Full-resolution source size (detection coordinates). */
  width: number;
  height: number;
  /** Zone polygon in source pixels. */
  polygon: Pt[];
  /** Confirmed tracks of this sample, after masks and the zone's size filter. */
  tracks: Track[];
  /** All detections of this sample, after camera masks. */
  detections: Detection[];
  /** The sampled picture, possibly scaled: image pixels = source pixels × imageScale. */
  image?: BgrImage;
  imageScale: number;
  /** Whether the zone is inside its enforcement hours now. */
  enforced: boolean;
}

export interface Rule {
  readonly type: RuleTypeT;
  readonly zone: ZoneT;
  evaluate(ctx: RuleContext): Promise<Finding[]>;
  /** Sample times (ms) whose frames a later hit's evidence will show, older than the frame ring keeps (parking: when a vehicle stopped). */
  keepMoments?(): number[];
}
