// Worker-thread side of ThreadDetector (src/inference/thread-detector.ts): one detector of the
// manifest, loaded here, answering detect requests from the parent thread.
import { parentPort, workerData } from 'node:worker_threads';
import { loadDetector } from './detectors.ts';
import type { InputImage } from './preprocess.ts';
import type { DetectRequest, DetectReply, ThreadInit } from './thread-detector.ts';

const init = workerData as ThreadInit;
const port = parentPort!;
try {
  const detector = await loadDetector(init.modelId, { threads: init.threads, provider: init.provider });
  port.on('message', (m: DetectRequest | { kind: 'close' }) => {
    if (m.kind === 'close') {
      void detector.close().finally(() => port.close());
      return;
    }
    const image = { ...m.image, data: Buffer.from(m.image.data) } as InputImage;
    detector.detect(image, m.scale).then(
      (detections) => port.postMessage({ id: m.id, detections } satisfies DetectReply),
      (e: Error) => port.postMessage({ id: m.id, error: e.message } satisfies DetectReply),
    );
  });
  port.postMessage({ ready: true, provider: detector.provider });
} catch (e) {
  port.postMessage({ ready: false, error: (e as Error).message });
}
