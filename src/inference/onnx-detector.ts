// The shared detector skeleton: letterbox → session.run → family decoder → NMS → detections
// in source pixels. Each model family only supplies `decode`, which appends candidates in
// input-tensor pixels to a reusable buffer.
import ort from 'onnxruntime-node';
import type { ResolvedModel } from './manifest.ts';
import { Candidates, nms } from './nms.ts';
import { Letterbox, roundUp, type InputImage, type LetterboxLayout } from './preprocess.ts';
import type { OpenedSession } from './session.ts';
import type { Box, Detection, Detector } from './types.ts';

export type Outputs = ort.InferenceSession.OnnxValueMapType;

export interface Prepared {
  feeds: Record<string, ort.Tensor>;
  layout: LetterboxLayout;
  /** Size of the image that was fed, for clipping boxes. */
  imageWidth: number;
  imageHeight: number;
}

export interface DetectorOptions {
  /** Override the manifest input size (dynamic-input models only: the largest input used). */
  inputSize?: { width: number; height: number };
}

export abstract class OnnxDetector implements Detector {
  readonly modelId: string;
  readonly session: ort.InferenceSession;
  readonly provider: string;
  protected readonly letterbox: Letterbox;
  protected readonly candidates: Candidates;
  protected readonly scoreThreshold: number;
  protected readonly iouThreshold: number;
  protected readonly inputWidth: number;
  protected readonly inputHeight: number;
  /** Dynamic-input models get an input sized to the image (multiple of `align`), never upscaled. */
  protected dynamicInput = false;
  protected align = 32;
  /** Text detection and the like skip NMS. */
  protected useNms = true;
  protected perClassNms = true;
  /** Buffer for the public prepare(); detect() has its own two (buffers allocate on first use). */
  private readonly direct: InputSlot;
  /** Two input buffers for detect(): the next frame is letterboxed while the previous one runs. */
  private readonly freeSlots: InputSlot[];
  private readonly slotWaiters: Array<(slot: InputSlot) => void> = [];
  private runChain: Promise<unknown> = Promise.resolve();

  constructor(
    readonly model: ResolvedModel,
    opened: OpenedSession,
    opts: DetectorOptions = {},
    pointsPer = 0,
  ) {
    this.modelId = model.entry.id;
    this.session = opened.session;
    this.provider = opened.provider;
    this.letterbox = new Letterbox(model.entry.preprocess);
    this.direct = new InputSlot(this.letterbox);
    this.freeSlots = [new InputSlot(new Letterbox(model.entry.preprocess)), new InputSlot(new Letterbox(model.entry.preprocess))];
    this.candidates = new Candidates(256, pointsPer);
    this.scoreThreshold = model.entry.postprocess.scoreThreshold;
    this.iouThreshold = model.entry.postprocess.iouThreshold;
    this.inputWidth = opts.inputSize?.width ?? model.entry.input.width;
    this.inputHeight = opts.inputSize?.height ?? model.entry.input.height;
  }

  /** Appends candidates (input-tensor pixels) for one run's outputs. */
  protected abstract decode(outputs: Outputs, layout: LetterboxLayout): void;

  layoutFor(image: InputImage): LetterboxLayout {
    if (!this.dynamicInput) {
      const lay = this.letterbox.layout(image.width, image.height, this.inputWidth, this.inputHeight);
      const k = this.model.entry.input.multipleOf;
      return k ? this.letterbox.trimmed(lay, k) : lay;
    }
    const scale = Math.min(1, this.inputWidth / image.width, this.inputHeight / image.height);
    const contentWidth = Math.max(1, Math.round(image.width * scale));
    const contentHeight = Math.max(1, Math.round(image.height * scale));
    return {
      width: roundUp(contentWidth, this.align),
      height: roundUp(contentHeight, this.align),
      scale,
      padX: 0,
      padY: 0,
      contentWidth,
      contentHeight,
    };
  }

  /** Image → input tensor (a reusable buffer, overwritten by the next prepare()). */
  prepare(image: InputImage): Prepared {
    return this.prepareInto(this.direct, image);
  }

  private prepareInto(slot: InputSlot, image: InputImage): Prepared {
    const layout = this.layoutFor(image);
    return {
      feeds: { [this.model.entry.input.name]: slot.fill(image, layout) },
      layout,
      imageWidth: image.width,
      imageHeight: image.height,
    };
  }

  run(prepared: Prepared): Promise<Outputs> {
    return this.session.run(prepared.feeds);
  }

  /** Outputs → detections in source pixels (source = image / scale). */
  postprocess(outputs: Outputs, prepared: Prepared, scale = 1): Detection[] {
    const c = this.candidates;
    c.reset();
    this.decode(outputs, prepared.layout);
    const keep = this.useNms ? nms(c, this.iouThreshold, this.perClassNms) : Array.from({ length: c.count }, (_, i) => i);
    const { padX, padY } = prepared.layout;
    const k = 1 / (prepared.layout.scale * scale);
    const maxX = prepared.imageWidth / scale;
    const maxY = prepared.imageHeight / scale;
    const out: Detection[] = [];
    for (const i of keep) {
      const b = i * 4;
      const box: Box = [
        clamp((c.boxes[b]! - padX) * k, maxX),
        clamp((c.boxes[b + 1]! - padY) * k, maxY),
        clamp((c.boxes[b + 2]! - padX) * k, maxX),
        clamp((c.boxes[b + 3]! - padY) * k, maxY),
      ];
      if (box[2] - box[0] < 1 || box[3] - box[1] < 1) continue;
      const classId = c.classIds[i]!;
      const d: Detection = {
        box,
        score: c.scores[i]!,
        classId,
        className: this.model.classNames[classId] ?? String(classId),
        label: this.model.labelOf(classId),
        modelId: this.modelId,
      };
      if (c.pointsPer > 0) {
        d.points = [];
        const p = i * c.pointsPer * 2;
        for (let j = 0; j < c.pointsPer; j++) {
          d.points.push([(c.points[p + 2 * j]! - padX) * k, (c.points[p + 2 * j + 1]! - padY) * k]);
        }
      }
      out.push(d);
    }
    return out;
  }

  /**
   * Safe to call concurrently. Runs happen one at a time in call order; while one runs, the
   * next call's frame is letterboxed into the other input buffer, overlapping the two.
   * Takes packed BGR or planar `gbrp` (PlanarGbrImage, the cheapest to pre-process).
   */
  async detect(image: InputImage, scale = 1): Promise<Detection[]> {
    const slot = await this.acquireSlot();
    let prepared: Prepared;
    try {
      prepared = this.prepareInto(slot, image);
    } catch (e) {
      this.releaseSlot(slot);
      throw e;
    }
    const running = this.runChain.then(() => this.session.run(prepared.feeds));
    this.runChain = running.catch(() => undefined);
    let outputs: Outputs;
    try {
      outputs = await running;
    } finally {
      this.releaseSlot(slot);
    }
    // Synchronous from here: the shared candidate buffer cannot be interleaved.
    return this.postprocess(outputs, prepared, scale);
  }

  private acquireSlot(): Promise<InputSlot> | InputSlot {
    const free = this.freeSlots.pop();
    if (free) return free;
    return new Promise((resolve) => this.slotWaiters.push(resolve));
  }

  private releaseSlot(slot: InputSlot): void {
    const waiter = this.slotWaiters.shift();
    if (waiter) waiter(slot);
    else this.freeSlots.push(slot);
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/** One reusable input buffer and its tensor wrapper. */
class InputSlot {
  private tensor: ort.Tensor | null = null;

  constructor(private readonly letterbox: Letterbox) {}

  fill(image: InputImage, layout: LetterboxLayout): ort.Tensor {
    const r = this.letterbox.runLayout(image, layout);
    const t = this.tensor;
    // The Tensor only wraps the reused Float32Array; rebuild it when the buffer or size changes.
    if (!t || t.data !== r.tensor || t.dims[2] !== layout.height || t.dims[3] !== layout.width) {
      this.tensor = new ort.Tensor('float32', r.tensor, [1, 3, layout.height, layout.width]);
    }
    return this.tensor!;
  }
}

function clamp(v: number, max: number): number {
  return v < 0 ? 0 : v > max ? max : v;
}
