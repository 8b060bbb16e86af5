// int8 weights as uint8 (src/inference/unsigned-weights.ts) on the real MobileNetV2-int8 of
// ../shared/models: every weight tensor of QLinearConv / QLinearMatMul is changed with its zero
// point, and every difference (w − zero point) the model multiplies with stays the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { loadManifest, resolveModel } from '../../src/inference/manifest.ts';
import { DataType, decodeModel, encodeModel, type OnnxTensor } from '../../src/inference/onnx-proto.ts';
import { unsignedWeights } from '../../src/inference/unsigned-weights.ts';

const values = (t: OnnxTensor): number[] => Array.from(t.rawData!, (b) => (t.dataType === DataType.INT8 ? (b << 24) >> 24 : b));

test('MobileNetV2-int8: weights and zero points become uint8, every (w − zp) unchanged', async () => {
  const { path } = await resolveModel(await loadManifest(), 'mobilenetv2-int8');
  const before = decodeModel(new Uint8Array(await readFile(path)));
  const { model, changed } = unsignedWeights(before);
  const convs = before.nodes.filter((n) => n.opType === 'QLinearConv' || n.opType === 'QLinearMatMul');
  assert.equal(convs.length, 53);
  let checked = 0;
  for (const n of convs) {
    const [w0, z0] = [before.initializers.get(n.inputs[3]!)!, before.initializers.get(n.inputs[5]!)!];
    const [w1, z1] = [model.initializers.get(n.inputs[3]!)!, model.initializers.get(n.inputs[5]!)!];
    assert.equal(w0.dataType, DataType.INT8, `${n.name}: the zoo model's weights are int8`);
    assert.equal(w1.dataType, DataType.UINT8);
    assert.equal(z1.dataType, DataType.UINT8);
    const [a, za, b, zb] = [values(w0), values(z0), values(w1), values(z1)];
    const perChannel = za.length > 1;
    const inner = a.length / w0.dims[0]!;
    for (let i = 0; i < a.length; i++) {
      const c = perChannel ? Math.floor(i / inner) : 0;
      assert.equal(b[i]! - zb[c]!, a[i]! - za[c]!, `${n.name}[${i}]`);
    }
    checked++;
  }
  assert.equal(checked, 53);
  assert.ok(changed >= 53, `tensors changed: ${changed}`);
  // The result is a valid model again (the loader hands these bytes to ONNX Runtime).
  assert.equal(decodeModel(encodeModel(model)).initializers.get(convs[0]!.inputs[3]!)!.dataType, DataType.UINT8);
});
