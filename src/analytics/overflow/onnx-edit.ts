// A minimal ONNX graph edit done on the protobuf wire format: expose an intermediate tensor
// of a shipped detector as an extra graph output, so its features can feed a small head.
// No python `onnx` package here, and the edit needs only three field numbers:
// ModelProto.graph = 7, GraphProto.node = 1 / output = 12, NodeProto.output = 2 / op_type = 4,
// ValueInfoProto.name = 1 / type = 2, TypeProto.tensor_type = 1, Tensor.elem_type = 1.
// The edited model lives in memory only (InferenceSession.create takes a Uint8Array).

interface Field {
  no: number;
  wire: number;
  /** Whole field bytes (tag + payload), for copying it through unchanged. */
  raw: Uint8Array;
  /** Payload of a length-delimited field. */
  body?: Uint8Array;
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

function writeVarint(n: number): number[] {
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
    if (wire === 0) pos = readVarint(buf, pos)[1];
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const [len, p2] = readVarint(buf, pos);
      body = buf.subarray(p2, p2 + len);
      pos = p2 + len;
    } else throw new Error(`onnx-edit: unsupported protobuf wire type ${wire} at byte ${start}`);
    out.push({ no, wire, raw: buf.subarray(start, pos), body });
  }
  return out;
}

function lengthDelimited(no: number, body: Uint8Array | number[]): Uint8Array {
  const b = body instanceof Uint8Array ? body : Uint8Array.from(body);
  const head = [...writeVarint(no * 8 + 2), ...writeVarint(b.length)];
  const out = new Uint8Array(head.length + b.length);
  out.set(head, 0);
  out.set(b, head.length);
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

const text = new TextDecoder();
const enc = new TextEncoder();

export interface OnnxNodeInfo {
  opType: string;
  outputs: string[];
}

function graphOf(model: Uint8Array): Field {
  const g = fields(model).find((f) => f.no === 7 && f.wire === 2);
  if (!g?.body) throw new Error('onnx-edit: model has no graph (field 7)');
  return g;
}

/** The graph's nodes in file order (topological in exported models): op type and outputs. */
export function listNodes(model: Uint8Array): OnnxNodeInfo[] {
  return fields(graphOf(model).body!)
    .filter((f) => f.no === 1 && f.body)
    .map((n) => {
      const fs = fields(n.body!);
      return {
        opType: text.decode(fs.find((f) => f.no === 4)?.body ?? new Uint8Array()),
        outputs: fs.filter((f) => f.no === 2).map((f) => text.decode(f.body!)),
      };
    });
}

/** Names of the graph's declared outputs. */
export function listOutputs(model: Uint8Array): string[] {
  return fields(graphOf(model).body!)
    .filter((f) => f.no === 12 && f.body)
    .map((o) => text.decode(fields(o.body!).find((f) => f.no === 1)?.body ?? new Uint8Array()));
}

/** A copy of `model` whose graph also outputs the named float tensors. */
export function addGraphOutputs(model: Uint8Array, tensorNames: string[]): Uint8Array {
  const produced = new Set(listNodes(model).flatMap((n) => n.outputs));
  for (const name of tensorNames) {
    if (!produced.has(name)) throw new Error(`onnx-edit: no node produces tensor "${name}"`);
  }
  const extra = tensorNames.map((name) => {
    const tensorType = [8, 1]; // Tensor.elem_type (field 1, varint) = FLOAT (1)
    const typeProto = lengthDelimited(1, tensorType);
    const valueInfo = concat([lengthDelimited(1, enc.encode(name)), lengthDelimited(2, typeProto)]);
    return lengthDelimited(12, valueInfo);
  });
  const graph = graphOf(model);
  const newGraph = concat([graph.body!, ...extra]);
  return concat(fields(model).map((f) => (f === graph || (f.no === 7 && f.wire === 2) ? lengthDelimited(7, newGraph) : f.raw)));
}
