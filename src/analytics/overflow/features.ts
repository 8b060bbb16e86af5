// The overflow classifier's features: one or more frozen manifest backbones (YOLOX-nano's pooled
// backbone/neck tensors, MobileNetV2's pooled penultimate layer), each optionally averaged with
// the left-right mirrored crop. The training tool (tools/train-overflow.ts) and the runtime
// classifier both call `OverflowFeatures`, so the head always sees the features it was fitted on.
import { z } from 'zod';
import type { BgrImage } from '../../ingest/types.ts';
import type { Box } from '../../inference/types.ts';
import { Backbone } from './backbone.ts';

export const BackboneSpec = z.strictObject({
  modelId: z.string().min(1),
  /** sha256 of the model file the head was trained on (the manifest pins the same). */
  sha256: z.string(),
  /** Pooled tensors: `name` = global average, `name:max` = global max (see backbone.ts). */
  tensors: z.array(z.string()).min(1),
  /**
   * Also look closer: `grid`×`grid` overlapping tiles of the crop, each `size` of its width and
   * height, pooled element-wise over the tiles (`max` or `mean`) or appended one after the
   * other in grid order (`concat`, so the head can weigh where in the crop a cue is: litter lies
   * at the bin's foot); small objects (a bin in a street view) get more input pixels this way.
   */
  tiles: z.strictObject({ grid: z.number().int().min(2), size: z.number().gt(0).max(1), pool: z.enum(['max', 'mean', 'concat']) }).optional(),
});
export type BackboneSpecT = z.infer<typeof BackboneSpec>;

export const FeatureSpec = z.strictObject({
  backbones: z.array(BackboneSpec).min(1),
  /** Average each backbone's features with those of the mirrored crop (test-time augmentation). */
  flip: z.boolean(),
});
export type FeatureSpecT = z.infer<typeof FeatureSpec>;

/** Features of one view (the crop or a tile) and, with `flip`, of the same view mirrored. */
export interface ViewFeatures {
  plain: Float32Array;
  flipped?: Float32Array;
}

/** Per backbone: the whole crop and, when the backbone has `tiles`, each tile. */
export type FeatureParts = { whole: ViewFeatures; tiles?: ViewFeatures[] }[];

export class OverflowFeatures {
  private constructor(
    readonly spec: FeatureSpecT,
    readonly backbones: Backbone[],
  ) {}

  /** Widths of one view per backbone, in the order of `spec.backbones`. */
  get widths(): number[] {
    return this.backbones.map((b) => b.dims);
  }

  /** Length of the feature vector: per backbone, the whole crop plus the tiles' block if any. */
  get dims(): number {
    return this.backbones.reduce((s, b, i) => s + b.dims * (1 + tileBlockViews(this.spec.backbones[i]!)), 0);
  }

  static async load(spec: FeatureSpecT, threads = 2): Promise<OverflowFeatures> {
    const backbones: Backbone[] = [];
    for (const b of spec.backbones) backbones.push(await Backbone.load({ modelId: b.modelId, tensors: b.tensors, threads }));
    return new OverflowFeatures(spec, backbones);
  }

  /** Feature vector of the region `box` of `image` (image pixels; whole image when absent). */
  async of(image: BgrImage, box?: Box): Promise<Float32Array> {
    return combine(await this.parts(image, box, this.spec.flip), this.spec);
  }

  /** The raw parts `of` combines; the training tool caches them (with `flip` true, so flip can be compared). */
  async parts(image: BgrImage, box: Box | undefined, flip: boolean): Promise<FeatureParts> {
    const region: Box = box ?? [0, 0, image.width, image.height];
    const view = async (b: Backbone, r: Box): Promise<ViewFeatures> => ({
      plain: await b.featuresOfCrop(image, r),
      flipped: flip ? await b.featuresOfCrop(image, r, true) : undefined,
    });
    const out: FeatureParts = [];
    for (const [i, b] of this.backbones.entries()) {
      const t = this.spec.backbones[i]!.tiles;
      const tiles: ViewFeatures[] = [];
      if (t) for (const r of tileBoxes(region, t.grid, t.size)) tiles.push(await view(b, r));
      out.push({ whole: await view(b, region), tiles: t ? tiles : undefined });
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.all(this.backbones.map((b) => b.close()));
  }
}

/** `grid`×`grid` boxes of `size`·width × `size`·height spread evenly over `region` (corners included). */
export function tileBoxes(region: Box, grid: number, size: number): Box[] {
  const [x1, y1, x2, y2] = region;
  const w = x2 - x1;
  const h = y2 - y1;
  const out: Box[] = [];
  for (let gy = 0; gy < grid; gy++) {
    for (let gx = 0; gx < grid; gx++) {
      const ox = ((1 - size) * gx) / (grid - 1);
      const oy = ((1 - size) * gy) / (grid - 1);
      out.push([x1 + ox * w, y1 + oy * h, x1 + (ox + size) * w, y1 + (oy + size) * h]);
    }
  }
  return out;
}

/** How many view-widths the tiles add to a backbone's vector: 0 without tiles, 1 pooled, grid² concatenated. */
export function tileBlockViews(b: BackboneSpecT): number {
  if (!b.tiles) return 0;
  return b.tiles.pool === 'concat' ? b.tiles.grid ** 2 : 1;
}

/** One view's vector: the plain features, or the mean of plain and mirrored. */
function viewVector({ plain, flipped }: ViewFeatures): Float32Array {
  return flipped ? plain.map((v, i) => (v + flipped[i]!) / 2) : plain;
}

/**
 * The feature vector: per backbone (in spec order) its whole-crop view, then, if it has tiles,
 * the element-wise `pool` over its tile views. `spec` gives each backbone's pooling.
 */
export function combine(parts: FeatureParts, spec: FeatureSpecT): Float32Array {
  const blocks: Float32Array[] = [];
  parts.forEach((p, i) => {
    blocks.push(viewVector(p.whole));
    const t = spec.backbones[i]!.tiles;
    if (!t) return;
    if (!p.tiles?.length) throw new Error(`backbone ${spec.backbones[i]!.modelId}: tile features missing`);
    const views = p.tiles.map(viewVector);
    if (t.pool === 'concat') return void blocks.push(...views);
    blocks.push(views[0]!.map((_, k) => (t.pool === 'max' ? Math.max(...views.map((v) => v[k]!)) : views.reduce((s, v) => s + v[k]!, 0) / views.length)));
  });
  const out = new Float32Array(blocks.reduce((s, b) => s + b.length, 0));
  let o = 0;
  for (const b of blocks) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}
