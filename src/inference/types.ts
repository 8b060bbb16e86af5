// What inference hands to analytics: detections in full-resolution source pixels.
import type { BgrImage } from '../ingest/types.ts';

/** Semantic labels the rules reason about; a model's classes map onto these in the manifest. */
export type SemanticLabel =
  | 'person'
  | 'vendor-object'
  | 'vehicle'
  | 'truck'
  | 'text'
  | 'face'
  | 'bin'
  | 'garbage'
  | 'other';

/** [x1, y1, x2, y2] in pixels. */
export type Box = [number, number, number, number];

export interface Detection {
  box: Box;
  score: number;
  classId: number;
  className: string;
  label: SemanticLabel;
  modelId: string;
  /** Optional extra geometry, e.g. YuNet's five landmarks or a text region's quadrilateral. */
  points?: Array<[number, number]>;
}

/** A loaded model that turns an image into detections. */
export interface Detector {
  readonly modelId: string;
  /** `scale` maps image pixels back to full-resolution source pixels (source = image / scale). */
  detect(image: BgrImage, scale?: number): Promise<Detection[]>;
  close(): Promise<void>;
}
