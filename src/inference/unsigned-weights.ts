// Int8 weights as uint8, the same numbers: x86 CPUs without VNNI multiply uint8 activations by
// int8 weights with an instruction (vpmaddubsw) whose 16-bit pairwise sums saturate, so one int8
// model gives different results on AVX2-only CPUs than on AVX-512-VNNI ones — measured here:
// MobileNetV2-int8 called the bus photo "passenger car" on an AVX2 EPYC and "minibus" on a VNNI
// Xeon, and the truck verifier lost a truck. ONNX Runtime documents the saturation for its U8S8
// kernels on AVX2/AVX-512 (quantization guide, "reduce_range"); OpenVINO's "Saturation (overflow)
// issue" page says the same of 8-bit dot products on pre-VNNI CPUs. uint8 × uint8 runs through
// 16-bit products without that saturation. Shifting a weight tensor and its zero point by +128
// keeps every (w − zero point) difference, so the model computes exactly what it did on a VNNI
// CPU, on every CPU.
import { DataType, type OnnxModel, type OnnxTensor } from './onnx-proto.ts';

/** Weight (and weight zero point) inputs by operator: ONNX QLinearConv, QLinearMatMul, DequantizeLinear. */
const WEIGHT_INPUTS: Record<string, number[]> = {
  QLinearConv: [3, 5], // w, w_zero_point
  QLinearMatMul: [3, 5], // b, b_zero_point
  DequantizeLinear: [0, 2], // x, x_zero_point — only where x is an int8 initializer (a weight)
};

/**
 * Returns `model` with every int8 weight initializer of QLinearConv / QLinearMatMul (and of a
 * DequantizeLinear that dequantizes an int8 initializer, the QDQ form ORT fuses into QLinearConv)
 * turned into uint8 (+128), together with its zero point. Returns the count of tensors changed.
 * A tensor used elsewhere as int8 is left alone (the result would change). Throws on an int8
 * initializer without raw data (not produced by the models in the manifest).
 */
export function unsignedWeights(model: OnnxModel): { model: OnnxModel; changed: number } {
  const uses = new Map<string, number>();
  for (const n of model.nodes) for (const i of n.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  const claimed = new Map<string, number>();
  const pairs: string[][] = [];
  for (const n of model.nodes) {
    const slots = WEIGHT_INPUTS[n.opType];
    if (!slots || n.domain) continue;
    const w = model.initializers.get(n.inputs[slots[0]!] ?? '');
    if (!w || w.dataType !== DataType.INT8) continue;
    const zp = model.initializers.get(n.inputs[slots[1]!] ?? '');
    const pair = [w.name, ...(zp ? [zp.name] : [])];
    pairs.push(pair);
    for (const name of pair) claimed.set(name, (claimed.get(name) ?? 0) + 1);
  }
  // A tensor also read by another operator stays int8, and so does every tensor paired with it
  // (a weight without its zero point, or the reverse, would change the numbers).
  const keep = new Set([...claimed.keys()].filter((name) => claimed.get(name) !== uses.get(name) || model.initializers.get(name)!.dataType !== DataType.INT8));
  for (let grew = true; grew; ) {
    grew = false;
    for (const pair of pairs) {
      if (pair.some((x) => keep.has(x)) && !pair.every((x) => keep.has(x))) {
        for (const x of pair) keep.add(x);
        grew = true;
      }
    }
  }
  const initializers = new Map(model.initializers);
  let changed = 0;
  for (const name of claimed.keys()) {
    if (keep.has(name)) continue;
    initializers.set(name, shifted(model.initializers.get(name)!));
    changed++;
  }
  return { model: { ...model, initializers }, changed };
}

function shifted(t: OnnxTensor): OnnxTensor {
  if (!t.rawData) throw new Error(`unsignedWeights: int8 tensor ${t.name} has no raw data`);
  const out = new Uint8Array(t.rawData.length);
  for (let i = 0; i < out.length; i++) out[i] = (t.rawData[i]! ^ 0x80) & 0xff; // two's complement + 128 = flip the top bit
  return { name: t.name, dims: t.dims, dataType: DataType.UINT8, rawData: out };
}
