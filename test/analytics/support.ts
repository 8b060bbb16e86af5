// The real object detector for an analytics test file: YOLOX-nano from the manifest (2 threads),
// loaded before the file's tests and closed after them.
import { after, before } from 'node:test';
import { loadDetector } from '../../src/inference/detectors.ts';
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
