// No Ultralytics model ships here, so the [1, 4+C, N] decoder is fed YOLOX-nano's real output
// on a real frame, rewritten into the Ultralytics layout (cx, cy, w, h in input pixels; class
// scores = objectness · class probability). Both paths must give the same detections.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import ort from 'onnxruntime-node';
import { loadDetector } from '../../src/inference/detectors.ts';
import { loadManifest, resolveModel } from '../../src/inference/manifest.ts';
import { buildGrid, type YoloxDetector } from '../../src/inference/yolox.ts';
import { Yolov8Detector } from '../../src/inference/yolov8.ts';
import { iou } from '../../src/inference/nms.ts';
import { vtestFrames } from './frames.ts';

test('the YOLOv8/v11 decoder reproduces YOLOX detections from the same real output', async () => {
  const yolox = (await loadDetector('yolox-nano', { threads: 1 })) as YoloxDetector;
  after(() => yolox.close());
  const model = await resolveModel(await loadManifest(), 'yolox-nano');
  const v8 = new Yolov8Detector(model, { session: yolox.session, provider: 'cpu', threads: 1 });

  const [frame] = await vtestFrames([20]);
  const prepared = yolox.prepare(frame!);
  const out = await yolox.run(prepared);
  const expected = yolox.postprocess(out, prepared);
  assert.ok(expected.filter((d) => d.label === 'person').length >= 4);

  const raw = out[yolox.session.outputNames[0]!]!;
  const data = raw.data as Float32Array;
  const [, n, width] = raw.dims as [number, number, number];
  const classes = width - 5;
  const g = buildGrid(prepared.layout.width, prepared.layout.height);
  const v8data = new Float32Array((4 + classes) * n);
  for (let r = 0; r < n; r++) {
    const o = r * width;
    const s = g.stride[r]!;
    v8data[r] = (data[o]! + g.x[r]!) * s;
    v8data[n + r] = (data[o + 1]! + g.y[r]!) * s;
    v8data[2 * n + r] = Math.exp(data[o + 2]!) * s;
    v8data[3 * n + r] = Math.exp(data[o + 3]!) * s;
    for (let k = 0; k < classes; k++) v8data[(4 + k) * n + r] = data[o + 4]! * data[o + 5 + k]!;
  }
  const tensor = new ort.Tensor('float32', v8data, [1, 4 + classes, n]);
  const got = v8.postprocess({ [yolox.session.outputNames[0]!]: tensor }, prepared);

  assert.equal(got.length, expected.length);
  for (const e of expected) {
    const m = got.find((d) => d.classId === e.classId && iou(d.box, e.box) > 0.99);
    assert.ok(m, `no match for ${e.className} ${e.box}`);
    assert.ok(Math.abs(m.score - e.score) < 1e-5);
  }
});
