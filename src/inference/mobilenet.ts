// ImageNet-1k classification of a region of a picture (MobileNetV2-int8 from the manifest):
// a second opinion on a detector's crop. The region is grown to a square around its centre
// (with 10 % context, so the object is whole and not stretched), sampled bilinearly to the
// model's 224×224 input, normalised as the manifest says (RGB, ImageNet mean/std).
import ort from 'onnxruntime-node';
import type { BgrImage } from '../ingest/types.ts';
import { warpRect } from './image.ts';
import { loadManifest, resolveModel, type ManifestT } from './manifest.ts';
import { Letterbox } from './preprocess.ts';
import { openSession, type Provider } from './session.ts';
import type { Box } from './types.ts';

export interface Classification {
  /** Softmax probabilities, one per class of `classNames` (1000 for ImageNet-1k). */
  probs: Float32Array;
}

export class ImageNetClassifier {
  private readonly letterbox: Letterbox;
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly modelId: string,
    private readonly session: ort.InferenceSession,
    readonly classNames: string[],
    private readonly size: number,
    letterbox: Letterbox,
  ) {
    this.letterbox = letterbox;
  }

  /** Opens a manifest model of family `classifier` (default `mobilenetv2-int8`). */
  static async load(modelId = 'mobilenetv2-int8', opts: { threads?: number; provider?: Provider; manifest?: ManifestT } = {}): Promise<ImageNetClassifier> {
    const model = await resolveModel(opts.manifest ?? (await loadManifest()), modelId);
    if (model.entry.family !== 'classifier') throw new Error(`model ${modelId} has family "${model.entry.family}", not classifier`);
    if (model.entry.input.width !== model.entry.input.height) throw new Error(`model ${modelId}: square input expected`);
    const opened = await openSession(model.path, { threads: opts.threads, provider: opts.provider });
    return new ImageNetClassifier(modelId, opened.session, model.classNames, model.entry.input.width, new Letterbox(model.entry.preprocess));
  }

  /**
   * Class probabilities of the region `box` (image pixels) of `image`. Calls are serialised
   * (one run at a time per session). Cost: one 224×224 run (~9 ms with 2 threads, idle CPU).
   */
  classify(image: BgrImage, box: Box): Promise<Classification> {
    const next = this.chain.then(() => this.run(squareCrop(image, box, this.size)));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async run(crop: BgrImage): Promise<Classification> {
    const s = this.size;
    const { tensor } = this.letterbox.runLayout(crop, { width: s, height: s, scale: 1, padX: 0, padY: 0, contentWidth: s, contentHeight: s });
    const out = await this.session.run({ [this.session.inputNames[0]!]: new ort.Tensor('float32', tensor, [1, 3, s, s]) });
    return { probs: softmax(out[this.session.outputNames[0]!]!.data as Float32Array) };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/** The square (side = longer side × 1.1) centred on `box`, sampled to size×size; outside the picture repeats its edge. */
export function squareCrop(image: BgrImage, box: Box, size: number): BgrImage {
  const cx = (box[0] + box[2]) / 2;
  const cy = (box[1] + box[3]) / 2;
  const half = (Math.max(box[2] - box[0], box[3] - box[1]) * 1.1) / 2;
  return warpRect(image, [[cx - half, cy - half], [cx + half, cy - half], [cx + half, cy + half], [cx - half, cy + half]], size, size);
}

export function softmax(logits: Float32Array): Float32Array {
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  const out = new Float32Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i]! - max);
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}
