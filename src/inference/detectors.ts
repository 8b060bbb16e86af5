// Entry point for other stages: build a detector (or the text recogniser) from a manifest id.
// The decoder is chosen by the manifest's `family`, so a city's own model of a known family
// needs only a manifest entry.
import { loadManifest, resolveModel, type ManifestT, type ResolvedModel } from './manifest.ts';
import type { DetectorOptions, OnnxDetector } from './onnx-detector.ts';
import { openSession, type OpenedSession, type Provider } from './session.ts';
import { NanodetDetector } from './nanodet.ts';
import { TextRecognizer } from './ocr-recognizer.ts';
import { PpocrDetDetector } from './ppocr-det.ts';
import { Yolov8Detector } from './yolov8.ts';
import { YoloxDetector } from './yolox.ts';
import { YunetDetector } from './yunet.ts';

export interface LoadOptions extends DetectorOptions {
  threads?: number;
  provider?: Provider;
  /** A manifest already loaded (default: models/manifest.json). */
  manifest?: ManifestT;
}

type Factory = (model: ResolvedModel, opened: OpenedSession, opts: DetectorOptions) => OnnxDetector;

const families: Record<string, Factory> = {
  yolox: (m, s, o) => new YoloxDetector(m, s, o),
  nanodet: (m, s, o) => new NanodetDetector(m, s, o),
  yolov8: (m, s, o) => new Yolov8Detector(m, s, o),
  yunet: (m, s, o) => new YunetDetector(m, s, o),
  'ppocr-det': (m, s, o) => new PpocrDetDetector(m, s, o),
};

export const detectorFamilies = (): string[] => Object.keys(families);

export async function loadDetector(modelId: string, opts: LoadOptions = {}): Promise<OnnxDetector> {
  const manifest = opts.manifest ?? (await loadManifest());
  const model = await resolveModel(manifest, modelId);
  const factory = families[model.entry.family];
  if (!factory) {
    throw new Error(`model ${modelId} has family "${model.entry.family}", which is not a detector (detectors: ${detectorFamilies().join(', ')})`);
  }
  const opened = await openSession(model.path, { threads: opts.threads, provider: opts.provider, unfixShapes: model.entry.input.multipleOf !== undefined });
  return factory(model, opened, opts);
}

/** The PP-OCR line recogniser (reads text inside boxes from a text detector). */
export async function loadTextRecognizer(modelId = 'ppocr-v4-rec', opts: Omit<LoadOptions, 'inputSize'> = {}): Promise<TextRecognizer> {
  const manifest = opts.manifest ?? (await loadManifest());
  const model = await resolveModel(manifest, modelId);
  if (model.entry.family !== 'ppocr-rec') throw new Error(`model ${modelId} has family "${model.entry.family}", not ppocr-rec`);
  const opened = await openSession(model.path, { threads: opts.threads, provider: opts.provider });
  return TextRecognizer.create(model, opened);
}
