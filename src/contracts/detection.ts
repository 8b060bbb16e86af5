// What inference hands to analytics: detections in full-resolution source pixels. The zod
// schema validates them where they cross a process boundary inside a hit.
import { z } from 'zod';

/** Semantic labels the rules reason about; a model's classes map onto these in the manifest. */
export const SemanticLabel = z.enum(['person', 'vendor-object', 'vehicle', 'truck', 'text', 'face', 'bin', 'garbage', 'other']);
export type SemanticLabel = z.infer<typeof SemanticLabel>;

/** [x1, y1, x2, y2] in pixels. */
export const BoxSchema = z.tuple([z.number(), z.number(), z.number(), z.number()]);
export type Box = [number, number, number, number];

export const DetectionSchema = z.object({
  box: BoxSchema,
  score: z.number(),
  classId: z.number().int(),
  className: z.string(),
  label: SemanticLabel,
  /** Id in the model registry (src/inference/registry.ts). */
  modelId: z.string(),
  /** Optional extra geometry, e.g. YuNet's five landmarks or a text region's quadrilateral. */
  points: z.array(z.tuple([z.number(), z.number()])).optional(),
});
export type Detection = z.infer<typeof DetectionSchema>;
