// The second-stage models of detection — the overflow head, PP-OCR line reading, licence plates,
// the ImageNet crop verifier and the appearance embedder — in one worker thread (ModelThread),
// each loaded on first use. On the main thread an overflow score (10 MobileNetV2 runs, ~90 ms)
// or a poster's OCR would hold ingest, analytics, the outbox and the API while it runs.
// `startSecondStage` (main thread) hands the rules proxies with their usual interfaces;
// `SecondStageModels` is what the thread builds.
import type { Embedder } from '../analytics/engine.ts';
import { BackboneEmbedder } from '../analytics/embedding.ts';
import { OverflowClassifier } from '../analytics/overflow/classifier.ts';
import { PlateReader, type PlateRead } from '../analytics/reading/plate-reader.ts';
import type { TextReader } from '../analytics/rules/ads.ts';
import type { OverflowScorer } from '../analytics/rules/overflow.ts';
import type { VehiclePlateReader } from '../analytics/rules/plate-sampler.ts';
import type { RegionClassifier } from '../analytics/verifier/verifier.ts';
import type { BgrImage } from '../ingest/types.ts';
import { loadDetector, loadTextRecognizer } from '../inference/detectors.ts';
import { loadManifest, resolveModel } from '../inference/manifest.ts';
import { ImageNetClassifier, type Classification } from '../inference/mobilenet.ts';
import { ModelThread } from '../inference/model-thread.ts';
import type { TextRecognizer } from '../inference/ocr-recognizer.ts';
import type { Box } from '../inference/types.ts';
import type { Logger } from '../util/log.ts';

type Points = ReadonlyArray<readonly [number, number]>;

/** Lives in the thread: every model is loaded on its first call and kept. */
export class SecondStageModels {
  private readonly loaded = new Map<string, Promise<{ close(): Promise<void> }>>();

  private constructor(private readonly threads: number) {}

  /** The factory the thread calls (`threads`: intra-op threads of each session). */
  static async create(threads: number): Promise<SecondStageModels> {
    return new SecondStageModels(threads);
  }

  private model<T extends { close(): Promise<void> }>(key: string, load: () => Promise<T>): Promise<T> {
    let p = this.loaded.get(key);
    if (!p) {
      p = load();
      this.loaded.set(key, p);
      p.catch(() => this.loaded.delete(key)); // a failed load is tried again on the next call
    }
    return p as Promise<T>;
  }

  private reader(): Promise<TextRecognizer> {
    return this.model('text', () => loadTextRecognizer('ppocr-v4-rec', { threads: this.threads }));
  }

  /** Loads the named models now (`overflow`, `text`, `plates`, `embedder`, or an ImageNet model id). */
  async preload(keys: string[]): Promise<void> {
    const loaders: Record<string, () => Promise<unknown>> = {
      overflow: () => this.overflow(),
      text: () => this.reader(),
      plates: () => this.plates(),
      embedder: () => this.embedder(),
    };
    await Promise.all(keys.map((k) => (loaders[k] ?? (() => this.classifier(k)))()));
  }

  private overflow(): Promise<OverflowClassifier> {
    return this.model('overflow', () => OverflowClassifier.load(undefined, this.threads));
  }

  private plates(): Promise<PlateReader & { close(): Promise<void> }> {
    return this.model('plates', async () => {
      const text = await loadDetector('ppocr-v4-det', { threads: this.threads });
      return Object.assign(new PlateReader(text, await this.reader()), { close: () => text.close() });
    });
  }

  private embedder(): Promise<BackboneEmbedder & { close(): Promise<void> }> {
    return this.model('embedder', async () => {
      const e = await BackboneEmbedder.load(this.threads);
      return Object.assign(e, { close: () => e.backbone.close() });
    });
  }

  private classifier(modelId: string): Promise<ImageNetClassifier> {
    return this.model(`classifier:${modelId}`, () => ImageNetClassifier.load(modelId, { threads: this.threads }));
  }

  async overflowScore(image: BgrImage, box: Box): Promise<number> {
    return (await this.overflow()).score(image, box);
  }

  async recognize(image: BgrImage, box: Box, points?: Points): Promise<{ text: string; score: number }> {
    return (await this.reader()).recognize(image, box, points);
  }

  async readPlate(image: BgrImage, box: Box): Promise<PlateRead | undefined> {
    return (await this.plates()).read(image, box);
  }

  async embed(image: BgrImage, box: Box): Promise<number[]> {
    return (await this.embedder()).embed(image, box);
  }

  async classify(modelId: string, image: BgrImage, box: Box): Promise<Classification> {
    return (await this.classifier(modelId)).classify(image, box);
  }

  async close(): Promise<void> {
    const all = await Promise.allSettled(this.loaded.values());
    for (const r of all) if (r.status === 'fulfilled') await r.value.close();
  }
}

/** Main-thread side: the rules' interfaces, answered by the models in the thread. */
export interface SecondStage {
  overflow: OverflowScorer;
  textReader: TextReader;
  plateReader: VehiclePlateReader;
  embedder: Embedder;
  /** An ImageNet-family classifier of the manifest for the crop verifier. */
  classifier(modelId: string): Promise<RegionClassifier>;
  /** Loads models now, so that the first sample that needs one does not wait for it. */
  preload(keys: string[]): Promise<void>;
  /** Times the thread died and was started again. */
  readonly restarts: number;
  close(): Promise<void>;
}

/**
 * Starts the second-stage thread (`threads` intra-op threads per session). Nothing is loaded
 * until used or `preload`ed; a model that fails to load fails the calls that need it (with the
 * loader's message) and is tried again on the next.
 */
export async function startSecondStage(threads: number, log?: Logger): Promise<SecondStage> {
  const thread = await ModelThread.start(
    { name: 'second-stage model thread', module: import.meta.url, factory: 'SecondStageModels.create', args: [threads] },
    log,
  );
  const manifest = await loadManifest();
  return {
    overflow: { id: 'overflow-head', score: (image, box) => thread.call('overflowScore', [image, box]) },
    textReader: { modelId: 'ppocr-v4-rec', recognize: (image, box, points) => thread.call('recognize', [image, box, points]) },
    plateReader: { read: (image, box) => thread.call('readPlate', [image, box]) },
    embedder: { embed: (image, box) => thread.call('embed', [image, box]) },
    async classifier(modelId) {
      const { classNames } = await resolveModel(manifest, modelId);
      return { modelId, classNames, classify: (image, box) => thread.call('classify', [modelId, image, box]) };
    },
    preload: (keys) => thread.call('preload', [keys]),
    get restarts() {
      return thread.restarts;
    },
    close: () => thread.close(),
  };
}
