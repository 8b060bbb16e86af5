// The one ONNX protobuf codec of the project (onnx/onnx.proto3), used at run time (the overflow
// backbone exposes intermediate tensors as extra outputs, in memory) and by the offline
// quantiser (tools/quantize). Nodes and initializers are decoded, every other field is carried
// through as raw bytes, so re-encoding a shipped model keeps its size and outputs. No python
// `onnx` package here and no npm ONNX codec that is kept up; the wire format is tiny.
// Field numbers used (onnx.proto3): ModelProto.graph = 7, opset_import = 8;
// GraphProto.node = 1, initializer = 5, input = 11, output = 12, value_info = 13;
// NodeProto.input = 1, output = 2, name = 3, op_type = 4, attribute = 5, domain = 7;
// AttributeProto.name = 1, i = 3, type = 20 (INT = 2); TensorProto.dims = 1, data_type = 2,
// float_data = 4, name = 8, raw_data = 9; OperatorSetIdProto.domain = 1, version = 2;
// ValueInfoProto.name = 1, type = 2; TypeProto.tensor_type = 1; TypeProto.Tensor.elem_type = 1.

export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;

interface Field {
  no: number;
  wire: number;
  /** Whole field bytes (tag + payload), for copying it through unchanged. */
  raw: Uint8Array;
  /** Payload of a length-delimited field. */
  body?: Uint8Array;
  /** Value of a varint field. */
  value?: number;
}

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let result = 0;
  let mul = 1;
  for (;;) {
    const b = buf[pos++]!;
    result += (b & 0x7f) * mul;
    if (b < 0x80) return [result, pos];
    mul *= 128;
  }
}

function varint(n: number): number[] {
  if (n < 0) throw new Error(`onnx-proto: negative varint ${n}`);
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function fields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    const [tag, p1] = readVarint(buf, pos);
    pos = p1;
    const no = Math.floor(tag / 8);
    const wire = tag & 7;
    let body: Uint8Array | undefined;
    let value: number | undefined;
    if (wire === 0) [value, pos] = readVarint(buf, pos);
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const [len, p2] = readVarint(buf, pos);
      body = buf.subarray(p2, p2 + len);
      pos = p2 + len;
    } else throw new Error(`onnx-proto: unsupported protobuf wire type ${wire} at byte ${start}`);
    out.push({ no, wire, raw: buf.subarray(start, pos), body, value });
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function bytesField(no: number, body: Uint8Array): Uint8Array {
  return concat([Uint8Array.from([...varint(no * 8 + 2), ...varint(body.length)]), body]);
}

function varintField(no: number, n: number): Uint8Array {
  return Uint8Array.from([...varint(no * 8), ...varint(n)]);
}

const utf8 = new TextDecoder();
const enc = new TextEncoder();
const str = (no: number, s: string) => bytesField(no, enc.encode(s));

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  /** AttributeProto fields, raw (carried through unchanged). */
  attributes: Uint8Array[];
}

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  /** Little-endian element bytes (raw_data), or null when the values sit in typed fields. */
  rawData: Uint8Array | null;
  /** The original TensorProto bytes, re-emitted as is when the tensor is unchanged. */
  original?: Uint8Array;
}

export interface OnnxModel {
  nodes: OnnxNode[];
  initializers: Map<string, OnnxTensor>;
  /** Opset version of the default ('' / 'ai.onnx') domain. */
  opset: number;
  /** Names of the graph's inputs and outputs. */
  graphInputs: string[];
  graphOutputs: string[];
  /** Model fields other than graph and opset_import, raw. */
  modelRest: Uint8Array[];
  /** opset_import entries of other domains, raw. */
  otherOpsets: Uint8Array[];
  /** Graph fields other than node and initializer (name, input, output, value_info...), raw. */
  graphRest: Uint8Array[];
}

function decodeNode(body: Uint8Array): OnnxNode {
  const n: OnnxNode = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: [] };
  for (const f of fields(body)) {
    if (f.no === 1) n.inputs.push(utf8.decode(f.body));
    else if (f.no === 2) n.outputs.push(utf8.decode(f.body));
    else if (f.no === 3) n.name = utf8.decode(f.body);
    else if (f.no === 4) n.opType = utf8.decode(f.body);
    else if (f.no === 5) n.attributes.push(f.body!);
    else if (f.no === 7) n.domain = utf8.decode(f.body);
  }
  return n;
}

function encodeNode(n: OnnxNode): Uint8Array {
  return concat([
    ...n.inputs.map((s) => str(1, s)),
    ...n.outputs.map((s) => str(2, s)),
    ...(n.name ? [str(3, n.name)] : []),
    str(4, n.opType),
    ...n.attributes.map((a) => bytesField(5, a)),
    ...(n.domain ? [str(7, n.domain)] : []),
  ]);
}

function decodeTensor(body: Uint8Array): OnnxTensor {
  const t: OnnxTensor = { name: '', dims: [], dataType: 0, rawData: null, original: body };
  let floatData: Uint8Array | null = null;
  const int32Data: number[] = [];
  for (const f of fields(body)) {
    if (f.no === 1 && f.wire === 0) t.dims.push(f.value!);
    else if (f.no === 1 && f.wire === 2) {
      for (let p = 0; p < f.body!.length; ) {
        const [v, np] = readVarint(f.body!, p);
        t.dims.push(v);
        p = np;
      }
    } else if (f.no === 2) t.dataType = f.value!;
    else if (f.no === 8) t.name = utf8.decode(f.body);
    else if (f.no === 9) t.rawData = f.body!;
    else if (f.no === 4 && f.wire === 2) floatData = f.body!; // packed floats: same bytes as raw_data
    else if (f.no === 5) int32Data.push(...(f.wire === 2 ? int32Values(f.body!) : [Number(BigInt.asIntN(32, BigInt(f.value!)))]));
  }
  if (!t.rawData && floatData && t.dataType === DataType.FLOAT) t.rawData = floatData;
  // int8 / uint8 values may sit in int32_data (one int32 each), e.g. the zero points of the ONNX Model Zoo's int8 models.
  if (!t.rawData && int32Data.length && (t.dataType === DataType.INT8 || t.dataType === DataType.UINT8)) t.rawData = Uint8Array.from(int32Data, (v) => v & 0xff);
  return t;
}

/** Packed int32 varints (protobuf int32: a negative value is a 10-byte two's-complement varint). */
function int32Values(body: Uint8Array): number[] {
  const out: number[] = [];
  for (let p = 0; p < body.length; ) {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = body[p++]!;
      v |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (b < 0x80) break;
    }
    out.push(Number(BigInt.asIntN(32, v)));
  }
  return out;
}

function encodeTensor(t: OnnxTensor): Uint8Array {
  if (t.original) return t.original;
  if (!t.rawData) throw new Error(`onnx-proto: tensor ${t.name} has no data`);
  return concat([...t.dims.map((d) => varintField(1, d)), varintField(2, t.dataType), str(8, t.name), bytesField(9, t.rawData)]);
}

/** The float values of an initializer (FLOAT only). */
export function floatValues(t: OnnxTensor): Float32Array {
  if (t.dataType !== DataType.FLOAT || !t.rawData) throw new Error(`onnx-proto: ${t.name} is not a float tensor with data`);
  const copy = Uint8Array.from(t.rawData); // aligned copy (Buffer#slice would be a view)
  return new Float32Array(copy.buffer, 0, copy.length / 4);
}

/** A new initializer from a typed array (little-endian host assumed, as on x86/arm). */
export function tensor(name: string, dims: number[], data: Float32Array | Int8Array | Uint8Array | Int32Array): OnnxTensor {
  const dataType =
    data instanceof Float32Array ? DataType.FLOAT : data instanceof Int8Array ? DataType.INT8 : data instanceof Uint8Array ? DataType.UINT8 : DataType.INT32;
  return { name, dims, dataType, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** An INT attribute (AttributeProto with type INT = 2). */
export function intAttribute(name: string, value: number): Uint8Array {
  return concat([str(1, name), varintField(3, value), varintField(20, 2)]);
}

function valueInfoName(body: Uint8Array): string {
  return utf8.decode(fields(body).find((f) => f.no === 1)?.body ?? new Uint8Array());
}

/**
 * Decodes a serialised ModelProto (an `.onnx` file's bytes). Views into `buf` are kept, so
 * `buf` must not be changed while the result is in use.
 * @throws Error on an unsupported wire type (3/4: groups) or when there is no graph (field 7).
 */
export function decodeModel(buf: Uint8Array): OnnxModel {
  const m: OnnxModel = {
    nodes: [],
    initializers: new Map(),
    opset: 0,
    graphInputs: [],
    graphOutputs: [],
    modelRest: [],
    otherOpsets: [],
    graphRest: [],
  };
  let graph: Uint8Array | undefined;
  for (const f of fields(buf)) {
    if (f.no === 7 && f.wire === 2) graph = f.body;
    else if (f.no === 8 && f.wire === 2) {
      const fs = fields(f.body!);
      const domain = utf8.decode(fs.find((x) => x.no === 1)?.body ?? new Uint8Array());
      if (domain === '' || domain === 'ai.onnx') m.opset = fs.find((x) => x.no === 2)?.value ?? 0;
      else m.otherOpsets.push(f.body!);
    } else m.modelRest.push(f.raw);
  }
  if (!graph) throw new Error('onnx-proto: model has no graph (field 7)');
  for (const f of fields(graph)) {
    if (f.no === 1 && f.body) m.nodes.push(decodeNode(f.body));
    else if (f.no === 5 && f.body) {
      const t = decodeTensor(f.body);
      m.initializers.set(t.name, t);
    } else {
      if (f.no === 11 && f.body) m.graphInputs.push(valueInfoName(f.body));
      if (f.no === 12 && f.body) m.graphOutputs.push(valueInfoName(f.body));
      m.graphRest.push(f.raw);
    }
  }
  return m;
}

/**
 * Serialises `m` back to ModelProto bytes: graph fields in the order nodes, initializers, then
 * the raw rest; model fields raw, then graph, then opset_import. Decoding then encoding a
 * shipped detector gives the same size and outputs, and encoding is a fixed point
 * (test/inference/int8.test.ts), so the quantiser's output is byte-stable.
 * @throws Error when a new initializer has no data.
 */
export function encodeModel(m: OnnxModel): Uint8Array {
  const graph = concat([
    ...m.nodes.map((n) => bytesField(1, encodeNode(n))),
    ...[...m.initializers.values()].map((t) => bytesField(5, encodeTensor(t))),
    ...m.graphRest,
  ]);
  const opset = concat([str(1, ''), varintField(2, m.opset)]);
  return concat([...m.modelRest, bytesField(7, graph), bytesField(8, opset), ...m.otherOpsets.map((o) => bytesField(8, o))]);
}

/**
 * A copy of `m` whose graph also outputs the named tensors, declared as FLOAT with unknown
 * shape (a ValueInfoProto with only name and elem_type; ONNX Runtime infers the shape). Used
 * for calibration (tools/quantize) and to read backbone features (analytics/overflow).
 * @throws Error naming the first tensor that no node of the graph produces.
 */
export function addFloatOutputs(m: OnnxModel, names: readonly string[]): OnnxModel {
  const produced = new Set(m.nodes.flatMap((n) => n.outputs));
  const missing = names.find((name) => !produced.has(name));
  if (missing !== undefined) throw new Error(`onnx-proto: no node produces tensor "${missing}"`);
  const extra = names.map((name) => {
    const typeProto = bytesField(1, varintField(1, DataType.FLOAT)); // TypeProto.tensor_type.elem_type
    return bytesField(12, concat([str(1, name), bytesField(2, typeProto)]));
  });
  return { ...m, graphRest: [...m.graphRest, ...extra], graphOutputs: [...m.graphOutputs, ...names] };
}

/** Drops graph inputs by name (older exports list initializers as inputs too). */
export function dropGraphInputs(m: OnnxModel, names: Set<string>): void {
  m.graphRest = m.graphRest.filter((raw) => {
    const [f] = fields(raw);
    return !(f && f.no === 11 && f.body && names.has(valueInfoName(f.body)));
  });
  m.graphInputs = m.graphInputs.filter((n) => !names.has(n));
}

/**
 * Declares the graph's inputs (those that are not initializers) and outputs with an unknown
 * shape, keeping their element type, so ONNX Runtime accepts any input size the graph's ops
 * allow. For exports whose ops are size-agnostic but whose I/O was declared with the export's
 * fixed size (YOLOX: Resize by scales, Reshape to [1, 85, -1]). Returns the names changed.
 */
export function unfixShapes(m: OnnxModel): string[] {
  const wanted = new Set([...m.graphInputs.filter((n) => !m.initializers.has(n)), ...m.graphOutputs]);
  const changed: string[] = [];
  m.graphRest = m.graphRest.map((raw) => {
    const [f] = fields(raw);
    if (!f || (f.no !== 11 && f.no !== 12) || !f.body) return raw;
    const name = valueInfoName(f.body);
    if (!wanted.has(name)) return raw;
    // ValueInfoProto.type (2) → TypeProto.tensor_type (1) → elem_type (1); the shape (2) is dropped.
    const type = fields(f.body).find((x) => x.no === 2)?.body;
    const tensorType = type && fields(type).find((x) => x.no === 1)?.body;
    const elemType = (tensorType && fields(tensorType).find((x) => x.no === 1)?.value) ?? DataType.FLOAT;
    changed.push(name);
    return bytesField(f.no, concat([str(1, name), bytesField(2, bytesField(1, varintField(1, elemType)))]));
  });
  return changed;
}
