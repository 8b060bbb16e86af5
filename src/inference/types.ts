// What inference hands to analytics: detections in full-resolution source pixels.
import type { BgrImage } from '../contracts/frame.ts';

export type { Box, Detection, SemanticLabel } from '../contracts/detection.ts';
import type { Detection } from '../contracts/detection.ts';

/** A loaded model that turns an image into detections. */
export interface Detector {
  readonly modelId: string;
  /** `scale` maps image pixels back to full-resolution source pixels (source = image / scale). */
  detect(image: BgrImage, scale?: number): Promise<Detection[]>;
  close(): Promise<void>;
}
