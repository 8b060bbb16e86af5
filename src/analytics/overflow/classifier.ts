// The overflowing-bin classifier: MobileNetV2-int8 (a manifest model, frozen) run up to an inner
// tensor, then the layers after it fine-tuned on the overflow photos (a small ONNX model trained
// in this project by `npm run train:overflow`). The zone's crop is scored plain and mirrored and
// the two logits averaged (flip test-time augmentation).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { z } from 'zod';
import type { BgrImage } from '../../ingest/types.ts';
import type { Box } from '../../inference/types.ts';
import { loadManifest, resolveModel, sha256File } from '../../inference/manifest.ts';
import { addDequantized, decodeModel, encodeModel, floatValues, pruneToOutputs } from '../../inference/onnx-proto.ts';
import type { OverflowScorer } from '../rules/overflow.ts';
import { channelsOf, normalisedCrop, type InputNorm } from './backbone.ts';
import { resolveHead } from './manifest-head.ts';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const TailHeadFile = z.strictObject({
  kind: z.literal('overflow-tail'),
  version: z.literal(1),
  backbone: z.strictObject({
    modelId: z.string().min(1),
    /** sha256 of the int8 file the tail was trained after (the manifest pins the same). */
    sha256: Sha256,
    /** Inner tensor where the frozen part ends: `<cut>_quantized` dequantized to float [1,C,H,W]. */
    cut: z.string().min(1),
    /** Side of the square input the crop is stretched to, px (the net is fully convolutional). */
    size: z.number().int().min(32),
  }),
  tail: z.strictObject({
    /** The fine-tuned layers, ONNX, next to this file; input `input` = the cut tensor, output [N] logits. */
    file: z.string().min(1),
    sha256: Sha256,
    input: z.string().min(1),
    output: z.string().min(1),
  }),
  /** Average the logits of the crop and of its mirror image. */
  flip: z.boolean(),
  /** Logit at the operating point, chosen for precision by grouped CV: score = σ(logit − threshold), so 0.5 is it. */
  threshold: z.number(),
  /** How it was trained and what it scored on the grouped hold-out (`split.holdout` lists the photos). */
  training: z.record(z.string(), z.unknown()),
});
export type TailHeadFileT = z.infer<typeof TailHeadFile>;

export async function loadTailHead(file: string): Promise<TailHeadFileT> {
  return TailHeadFile.parse(JSON.parse(await readFile(file, 'utf8')));
}

/**
 * A manifest int8 classifier run only up to its inner tensor `cut` (QOperator `<cut>_quantized`,
 * dequantized): the frozen part of the overflow classifier. The training tool caches its outputs
 * (re-quantised with `scale` / `zeroPoint`, which is exact), the runtime feeds them to the tail.
 */
export class FrozenPart {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly inputName: string,
    readonly cut: string,
    readonly norm: InputNorm,
    /** Quantisation of the cut tensor in the int8 file: float = (q − zeroPoint) · scale. */
    readonly scale: number,
    readonly zeroPoint: number,
  ) {}

  /** @throws ModelFileError for a model missing from the manifest or disk; Error when `cut` is not a quantised tensor of it. */
  static async load(modelId: string, cut: string, threads = 2): Promise<FrozenPart> {
    const { entry, path: file } = await resolveModel(await loadManifest(), modelId);
    const model = decodeModel(new Uint8Array(await readFile(file)));
    const pruned = pruneToOutputs(addDequantized(model, cut), [cut]);
    const zp = model.initializers.get(`${cut}_zero_point`)!;
    const session = await ort.InferenceSession.create(encodeModel(pruned), { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
    const norm = { mean: entry.preprocess.mean, std: entry.preprocess.std, channelOf: channelsOf(entry.preprocess.channelOrder) };
    return new FrozenPart(session, entry.input.name, cut, norm, floatValues(model.initializers.get(`${cut}_scale`)!)[0]!, zp.rawData![0]!);
  }

  /** The cut tensor [N, C, H, W] of `n` normalised planar inputs [n, 3, size, size] (see `normalisedCrop`). */
  async run(input: Float32Array, n: number, size: number): Promise<ort.Tensor> {
    return (await this.session.run({ [this.inputName]: new ort.Tensor('float32', input, [n, 3, size, size]) }))[this.cut]!;
  }

  close(): Promise<void> {
    return this.session.release();
  }
}

export class OverflowClassifier implements OverflowScorer {
  readonly id = 'overflow-head';
  private constructor(
    readonly head: TailHeadFileT,
    private readonly frozen: FrozenPart,
    private readonly tail: ort.InferenceSession,
  ) {}

  /**
   * The manifest's verified head by default (`heads` → overflow-head); an explicit head file
   * (e.g. a fresh training run) as given. Throws when the backbone file differs from the one
   * the tail was trained after, or when the tail file's sha256 differs from the head's record.
   */
  static async load(headFile?: string, threads = 2): Promise<OverflowClassifier> {
    const file = headFile ?? (await resolveHead('overflow-head'));
    const head = await loadTailHead(file);
    const { entry } = await resolveModel(await loadManifest(), head.backbone.modelId);
    if (entry.sha256 !== head.backbone.sha256) {
      throw new Error(`${file}: trained after ${head.backbone.modelId} with sha256 ${head.backbone.sha256}, the manifest has ${entry.sha256}; re-run npm run train:overflow`);
    }
    const tailPath = path.join(path.dirname(file), head.tail.file);
    const tailSha = await sha256File(tailPath);
    if (tailSha !== head.tail.sha256) throw new Error(`${tailPath} has sha256 ${tailSha}, ${file} expects ${head.tail.sha256}; re-run npm run train:overflow or restore the file`);
    const frozen = await FrozenPart.load(head.backbone.modelId, head.backbone.cut, threads);
    const tail = await ort.InferenceSession.create(tailPath, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
    return new OverflowClassifier(head, frozen, tail);
  }

  /** Mean logit of the region `box` of `image` (whole image when absent), plain and, with `flip`, mirrored. */
  async logit(image: BgrImage, box?: Box): Promise<number> {
    const size = this.head.backbone.size;
    const views = this.head.flip ? [false, true] : [false];
    let sum = 0;
    for (const flip of views) {
      const cut = await this.frozen.run(await normalisedCrop(image, box, size, flip, this.frozen.norm), 1, size);
      const out = await this.tail.run({ [this.head.tail.input]: cut });
      sum += (out[this.head.tail.output]!.data as Float32Array)[0]!;
    }
    return sum / views.length;
  }

  /** Score (0..1, 0.5 = the operating point) of the region `box` of `image`; the whole image when absent. */
  async score(image: BgrImage, box?: Box): Promise<number> {
    return 1 / (1 + Math.exp(-((await this.logit(image, box)) - this.head.threshold)));
  }

  async close(): Promise<void> {
    await this.frozen.close();
    await this.tail.release();
  }
}
