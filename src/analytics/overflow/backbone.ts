// A frozen pretrained feature extractor: a manifest model (YOLOX-nano by default, or the
// MobileNetV2 ImageNet classifier) with inner tensors exposed by an in-memory graph edit, each global-average-pooled and L2-normalised
// per tensor. Used by the overflow classifier and as the appearance embedding of hits.
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { BgrImage } from '../../ingest/types.ts';
import type { Box } from '../../inference/types.ts';
import { loadManifest, resolveModel } from '../../inference/manifest.ts';
import { addFloatOutputs, decodeModel, encodeModel } from '../../inference/onnx-proto.ts';

/**
 * Pooled tensors of yolox_nano_416_coco.onnx (SiLU outputs), `name` = global average,
 * `name:max` = global max: backbone stages dark2..dark5 (721, 781, 841, 886), PAFPN outputs
 * (956, 990, 1024) and the classification-branch features at strides 8/16/32 (1036, 1078,
 * 1120). Names are specific to the shipped export, whose sha256 the manifest pins. The default
 * set (hit embeddings); it scored best of the YOLOX sets tried for the overflow head (docs/analytics.md).
 */
export const YOLOX_NANO_FEATURE_TENSORS = [
  '721', '781', '841', '886', '956', '990', '1024', '1036', '1078', '1120',
  '841:max', '886:max', '1024:max', '1120:max',
] as const;

export interface BackboneOptions {
  modelId?: string;
  tensors?: readonly string[];
  threads?: number;
}

export class Backbone {
  readonly modelId: string;
  readonly dims: number;
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly inputName: string,
    readonly size: number,
    private readonly tensors: readonly string[],
    private readonly mean: number[],
    private readonly std: number[],
    /** Source channel (of a BGR pixel) for each model input channel. */
    private readonly channelOf: readonly number[],
    modelId: string,
    dims: number,
  ) {
    this.modelId = modelId;
    this.dims = dims;
  }

  static async load(opts: BackboneOptions = {}): Promise<Backbone> {
    const modelId = opts.modelId ?? 'yolox-nano';
    const tensors = opts.tensors ?? YOLOX_NANO_FEATURE_TENSORS;
    const resolved = await resolveModel(await loadManifest(), modelId);
    const source = decodeModel(new Uint8Array(await readFile(resolved.path)));
    const edited = encodeModel(addFloatOutputs(source, tensorNames(tensors)));
    const threads = opts.threads ?? 2;
    const session = await ort.InferenceSession.create(edited, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    const { entry } = resolved;
    const channelOf = entry.preprocess.channelOrder === 'rgb' ? [2, 1, 0] : [0, 1, 2];
    const b = new Backbone(session, entry.input.name, entry.input.width, tensors, entry.preprocess.mean, entry.preprocess.std, channelOf, modelId, 0);
    // Probe once for the feature width (sum of channel counts).
    const probe = await b.featuresOfBgr(Buffer.alloc(b.size * b.size * 3, 114), b.size, b.size);
    (b as { dims: number }).dims = probe.length;
    return b;
  }

  /**
   * Features of a region of a BGR frame (the whole frame when `box` is absent), stretched to
   * the model's square input; `flip` mirrors the region left-right first (test-time augmentation).
   */
  async featuresOfCrop(image: BgrImage, box?: Box, flip = false): Promise<Float32Array> {
    const [x1, y1, x2, y2] = box ?? [0, 0, image.width, image.height];
    const left = Math.max(0, Math.floor(x1));
    const top = Math.max(0, Math.floor(y1));
    const width = Math.max(1, Math.min(image.width, Math.ceil(x2)) - left);
    const height = Math.max(1, Math.min(image.height, Math.ceil(y2)) - top);
    // sharp treats the 3 raw channels opaquely, so BGR stays BGR.
    const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
      .extract({ left, top, width, height })
      .resize(this.size, this.size, { fit: 'fill' })
      .flop(flip)
      .raw()
      .toBuffer();
    return this.featuresOfBgr(data, this.size, this.size);
  }

  private async featuresOfBgr(bgr: Buffer, w: number, h: number): Promise<Float32Array> {
    const plane = w * h;
    const input = new Float32Array(3 * plane);
    for (let i = 0; i < plane; i++) {
      for (let c = 0; c < 3; c++) input[c * plane + i] = (bgr[i * 3 + this.channelOf[c]!]! - this.mean[c]!) / this.std[c]!;
    }
    const out = await this.session.run({ [this.inputName]: new ort.Tensor('float32', input, [1, 3, h, w]) }, tensorNames(this.tensors));
    const parts: Float32Array[] = this.tensors.map((spec) => {
      const [name, how] = spec.split(':');
      return pooled(out[name!]!, how === 'max');
    });
    const all = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of parts) {
      all.set(p, o);
      o += p.length;
    }
    return all;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

function tensorNames(specs: readonly string[]): string[] {
  return [...new Set(specs.map((s) => s.split(':')[0]!))];
}

/** Global average (or max) pool of a [1,C,H,W] tensor, L2-normalised so each tensor weighs the same. */
function pooled(t: ort.Tensor, max = false): Float32Array {
  const [, c, h, w] = t.dims as number[];
  const data = t.data as Float32Array;
  const hw = h! * w!;
  const out = new Float32Array(c!);
  let norm = 0;
  for (let k = 0; k < c!; k++) {
    let s = 0;
    let m = -Infinity;
    for (let i = k * hw; i < (k + 1) * hw; i++) {
      s += data[i]!;
      if (data[i]! > m) m = data[i]!;
    }
    out[k] = max ? m : s / hw;
    norm += out[k]! * out[k]!;
  }
  norm = Math.sqrt(norm) || 1;
  for (let k = 0; k < c!; k++) out[k] /= norm;
  return out;
}
