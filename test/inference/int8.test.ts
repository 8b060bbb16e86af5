// The int8 YOLOX-nano (built here by tools/quantize, never downloaded) against its float
// model on held-out real frames, and the quantiser's graph handling.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { loadDetector } from '../../src/inference/detectors.ts';
import { loadManifest, resolveModel, ModelFileError } from '../../src/inference/manifest.ts';
import type { Detection, Detector } from '../../src/inference/types.ts';
import { agreement } from '../../tools/quantize/agreement.ts';
import { buildQuantised } from '../../tools/quantize/build.ts';
import { heldOutFrames } from '../../tools/quantize/frames.ts';
import { decodeModel, encodeModel, unfixShapes } from '../../src/inference/onnx-proto.ts';

const open: Detector[] = [];
const temp: string[] = [];
after(async () => {
  for (const d of open) await d.close();
  for (const t of temp) await rm(t, { recursive: true, force: true });
});

// Builds models/yolox_nano_416_coco.int8.onnx when it is missing or stale (as `npm run quantize`).
const built = buildQuantised('yolox-nano-int8');

// Issue 14's accuracy guard: F1 ≥ 0.95 per class. Measured on the frames of the one sampler
// (vtest.avi at 0.5 s, 1.5 s, …) since calibration and inference run the trimmed 416×320 input
// (manifest `multipleOf`): person 0.968, car 0.959, truck 0.988. With the padded 416×416 input
// the 104 rows of pad value 114 sat in every calibration range and person was 0.934.
const F1_TARGET = 0.95;

async function agreementRows(): Promise<ReturnType<typeof agreement>> {
  const r = await built;
  const manifest = await loadManifest();
  assert.equal(r.sha256, manifest.models.find((m) => m.id === 'yolox-nano-int8')!.sha256, 'built file matches the manifest sha256');
  const fp32 = await loadDetector('yolox-nano', { threads: 1 });
  const int8 = await loadDetector('yolox-nano-int8', { threads: 1 });
  open.push(fp32, int8);
  const frames = await heldOutFrames(fp32.model.entry.input);
  const ref: Detection[][] = [];
  const got: Detection[][] = [];
  for (const f of frames) {
    ref.push(await fp32.detect(f.image, f.scale));
    got.push(await int8.detect(f.image, f.scale));
  }
  const rows = agreement(ref, got, ['person', 'car', 'truck']);
  // Enough reference boxes for the F1 to mean something.
  for (const row of rows) assert.ok(row.reference >= 30, `${row.className}: only ${row.reference} fp32 detections in ${frames.length} frames`);
  return rows;
}
const rows = agreementRows();
rows.catch(() => undefined); // reported by the tests below

test(`int8 YOLOX-nano agrees with fp32 on held-out frames: F1 ≥ ${F1_TARGET} for person, car, truck (IoU ≥ 0.5)`, async (t) => {
  for (const row of await rows) {
    t.diagnostic(`${row.className}: fp32 ${row.reference}, int8 ${row.test}, matched ${row.matched}, F1 ${row.f1.toFixed(3)}`);
    assert.ok(row.f1 >= F1_TARGET, `${row.className}: F1 ${row.f1.toFixed(3)} < ${F1_TARGET}`);
  }
});

test('the int8 graph is QDQ and ONNX Runtime fuses it into QLinearConv kernels', async () => {
  const r = await built;
  const m = decodeModel(await readFile(r.path));
  const ops = (mm: typeof m) => mm.nodes.reduce<Record<string, number>>((c, n) => ((c[n.opType] = (c[n.opType] ?? 0) + 1), c), {});
  const q = ops(m);
  assert.ok(q.QuantizeLinear! > 100 && q.DequantizeLinear! > 200, JSON.stringify(q));
  assert.ok(m.opset >= 13);
  // Per-channel int8 weights: one scale per output channel.
  const w = [...m.initializers.values()].find((t) => t.name.endsWith('_quantized') && t.dims.length === 4)!;
  assert.equal(w.dataType, 3 /* INT8 */);
  assert.deepEqual(m.initializers.get(w.name.replace(/_quantized$/, '_scale'))!.dims, [w.dims[0]]);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'huiyan-int8-'));
  temp.push(dir);
  const optimised = path.join(dir, 'optimised.onnx');
  const s = await ort.InferenceSession.create(r.path, { graphOptimizationLevel: 'all', optimizedModelFilePath: optimised, logSeverityLevel: 3 });
  await s.release();
  const o = ops(decodeModel(await readFile(optimised)));
  assert.ok((o.QLinearConv ?? 0) >= 90, `fused: ${JSON.stringify(o)}`);
});

test('a missing built model names the command that builds it', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'huiyan-nomodel-'));
  temp.push(dir);
  await assert.rejects(resolveModel(await loadManifest(), 'yolox-nano-int8', [dir]), (e: Error) => {
    assert.ok(e instanceof ModelFileError);
    assert.match(e.message, /yolox_nano_416_coco\.int8\.onnx not found/);
    assert.match(e.message, /npm run quantize/);
    return true;
  });
});

test('the ONNX codec re-encodes the shipped detectors losslessly: same size, same outputs on a real frame', async () => {
  const frame = (await heldOutFrames({ width: 416, height: 416 }))[0]!;
  for (const [f, id] of [['yolox_nano_416_coco.onnx', 'yolox-nano'], ['nanodet_m_416_coco.onnx', 'nanodet-m']] as const) {
    const buf = await readFile(path.resolve(import.meta.dirname, '../../../shared/models', f));
    const again = encodeModel(decodeModel(buf));
    assert.equal(again.length, buf.length, f);
    assert.ok(Buffer.from(encodeModel(decodeModel(again))).equals(Buffer.from(again)), `${f}: stable`);
    const d = await loadDetector(id, { threads: 1 });
    open.push(d);
    const feeds = d.prepare(frame.image).feeds;
    const a = await d.session.run(feeds);
    // A size-agnostic entry (manifest multipleOf) runs trimmed inputs: compare on the same graph edit.
    const comparable = decodeModel(again);
    if (d.model.entry.input.multipleOf) unfixShapes(comparable);
    const s = await ort.InferenceSession.create(encodeModel(comparable), { logSeverityLevel: 3 });
    const b = await s.run(feeds);
    await s.release();
    for (const k of Object.keys(a)) assert.deepEqual(b[k]!.data, a[k]!.data, `${f}: output ${k}`);
  }
});
