// The real models for an analytics or reading test file, from the manifest (2 threads), loaded
// before the file's tests and closed after them.
import { after, before } from 'node:test';
import { loadDetector, loadTextRecognizer } from '../../src/inference/detectors.ts';
import type { TextRecognizer } from '../../src/inference/ocr-recognizer.ts';
import type { Detector } from '../../src/inference/types.ts';

/** `models.objects` is set once the file's `before` hook has run (runCase takes `models` as is). */
export function yoloxNano(): { objects: Detector } {
  const models = {} as { objects: Detector };
  before(async () => {
    models.objects = await loadDetector('yolox-nano', { threads: 2 });
  });
  after(async () => {
    await models.objects?.close();
  });
  return models;
}

/** PP-OCRv4 text detection and line recognition; `text` and `reader` are set once `before` has run. */
export function ppocr(): { text: Detector; reader: TextRecognizer } {
  const models = {} as { text: Detector; reader: TextRecognizer };
  before(async () => {
    models.text = await loadDetector('ppocr-v4-det', { threads: 2 });
    models.reader = await loadTextRecognizer('ppocr-v4-rec', { threads: 2 });
  });
  after(async () => {
    await models.text?.close();
    await models.reader?.close();
  });
  return models;
}
