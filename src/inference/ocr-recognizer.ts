// PP-OCRv4 text-line recognition: crop → height 48, width in proportion → CTC greedy decode
// over the model's character dictionary (index 0 is the CTC blank; the last class is a space).
import { readFile } from 'node:fs/promises';
import ort from 'onnxruntime-node';
import type { BgrImage } from '../ingest/types.ts';
import { cropBgr, warpRect } from './image.ts';
import type { ResolvedModel } from './manifest.ts';
import { Letterbox, type LetterboxLayout } from './preprocess.ts';
import type { OpenedSession } from './session.ts';
import type { Box } from './types.ts';

export interface Recognition {
  text: string;
  /** Mean probability of the emitted characters (0 when nothing was read). */
  score: number;
}

export class TextRecognizer {
  readonly modelId: string;
  readonly session: ort.InferenceSession;
  private readonly letterbox: Letterbox;
  private readonly height: number;
  private readonly minWidth: number;
  /** Widest input; longer lines are squeezed rather than cut. */
  private readonly maxWidth = 2048;
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    model: ResolvedModel,
    opened: OpenedSession,
    private readonly charset: string[],
  ) {
    this.modelId = model.entry.id;
    this.session = opened.session;
    this.height = model.entry.input.height;
    this.minWidth = model.entry.input.width;
    // Padding at the mean becomes 0 after normalisation, as PaddleOCR pads.
    this.letterbox = new Letterbox({ ...model.entry.preprocess, pad: model.entry.preprocess.mean[0] });
  }

  static async create(model: ResolvedModel, opened: OpenedSession): Promise<TextRecognizer> {
    if (!model.dictionaryPath) throw new Error(`model ${model.entry.id} has no dictionary in the manifest`);
    const lines = (await readFile(model.dictionaryPath, 'utf8')).split(/\r?\n/);
    if (lines[lines.length - 1] === '') lines.pop();
    return new TextRecognizer(model, opened, [...lines, ' ']);
  }

  /**
   * Reads the text line inside `box` (image pixels). Give the text detector's `points`
   * (rotated rectangle) too, and a tilted line is straightened before reading.
   */
  recognize(image: BgrImage, box: Box, points?: ReadonlyArray<readonly [number, number]>): Promise<Recognition> {
    const next = this.chain.then(() => this.run(this.lineImage(image, box, points)));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private lineImage(image: BgrImage, box: Box, points?: ReadonlyArray<readonly [number, number]>): BgrImage | null {
    if (points?.length === 4) {
      const [p0, p1, , p3] = points as [readonly [number, number], readonly [number, number], unknown, readonly [number, number]];
      const w = Math.hypot(p1[0] - p0[0], p1[1] - p0[1]);
      const h = Math.hypot(p3[0] - p0[0], p3[1] - p0[1]);
      const tilt = Math.abs(Math.atan2(p1[1] - p0[1], p1[0] - p0[0]));
      // Near-horizontal lines read as well from the plain crop, which is cheaper.
      if (h >= 2 && w >= 2 && tilt > (2 * Math.PI) / 180) {
        const outH = this.height;
        const outW = Math.min(this.maxWidth, Math.max(8, Math.round((outH * w) / h)));
        return warpRect(image, points, outW, outH);
      }
    }
    return cropBgr(image, box);
  }

  private async run(crop: BgrImage | null): Promise<Recognition> {
    if (!crop || crop.width < 2 || crop.height < 2) return { text: '', score: 0 };
    const contentWidth = Math.min(this.maxWidth, Math.max(8, Math.round((this.height * crop.width) / crop.height)));
    const width = Math.max(this.minWidth, Math.ceil(contentWidth / 8) * 8);
    const layout: LetterboxLayout = {
      width,
      height: this.height,
      scale: this.height / crop.height,
      padX: 0,
      padY: 0,
      contentWidth,
      contentHeight: this.height,
    };
    const { tensor } = this.letterbox.runLayout(crop, layout);
    const input = new ort.Tensor('float32', tensor, [1, 3, this.height, width]);
    const out = await this.session.run({ [this.session.inputNames[0]!]: input });
    const probs = out[this.session.outputNames[0]!]!;
    return ctcGreedy(probs.data as Float32Array, probs.dims[1]!, probs.dims[2]!, this.charset);
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/** Arg-max per time step; drop blanks (0) and repeats. */
export function ctcGreedy(probs: Float32Array, steps: number, classes: number, charset: string[]): Recognition {
  let text = '';
  let sum = 0;
  let n = 0;
  let prev = -1;
  for (let t = 0; t < steps; t++) {
    const o = t * classes;
    let best = 0;
    let arg = 0;
    for (let k = 0; k < classes; k++) {
      const v = probs[o + k]!;
      if (v > best) {
        best = v;
        arg = k;
      }
    }
    if (arg !== 0 && arg !== prev) {
      text += charset[arg - 1] ?? '';
      sum += best;
      n++;
    }
    prev = arg;
  }
  return { text, score: n ? sum / n : 0 };
}
