/**
 * A small writer for the part of ONNX's protobuf schema (onnx/onnx.proto3) that a graph with
 * external weights needs: ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto (raw data
 * or external data), ValueInfoProto. Written by hand rather than with protobufjs: it only encodes
 * (varints and length-delimited fields, about a hundred lines), it adds nothing to the worker's
 * bundle, and the tests check its output with the reference decoder (Python's onnx package) and
 * onnxruntime itself. Field numbers are those of onnx.proto3.
 */

export const TensorType = { FLOAT: 1, INT8: 3, INT64: 7, FLOAT16: 10, BFLOAT16: 16 } as const;

class ProtoWriter {
  private buffer = new Uint8Array(256);
  private length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }

  private varint(value: number | bigint): void {
    // Negative int64 values are written as their 64-bit two's complement (10 bytes), as protobuf does.
    let v = BigInt.asUintN(64, BigInt(value));
    this.reserve(10);
    while (v >= 0x80n) {
      this.buffer[this.length++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buffer[this.length++] = Number(v);
  }

  private tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  int(field: number, value: number | bigint): this {
    this.tag(field, 0);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, 5);
    this.reserve(4);
    new DataView(this.buffer.buffer).setFloat32(this.length, value, true);
    this.length += 4;
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.tag(field, 2);
    this.varint(data.length);
    this.reserve(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
    return this;
  }

  string(field: number, text: string): this {
    return this.bytes(field, new TextEncoder().encode(text));
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  /** packed repeated int64 */
  packedInts(field: number, values: readonly (number | bigint)[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(v);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

export type AttributeValue = number | number[] | string | { float: number };

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attributes?: Record<string, AttributeValue>;
}

export interface ExternalTensor {
  name: string;
  dataType: number;
  dims: number[];
  /** file name as given to the session's externalData option */
  location: string;
  offset: number;
  length: number;
}

export interface InlineTensor {
  name: string;
  dataType: number;
  dims: number[];
  /** little-endian raw bytes */
  raw: Uint8Array;
}

export interface GraphIO {
  name: string;
  elemType: number;
  /** a number is a fixed size, a string a named dynamic axis */
  shape: (number | string)[];
}

export interface OnnxModel {
  graphName: string;
  opset: number;
  producer: string;
  nodes: OnnxNode[];
  initializers: (ExternalTensor | InlineTensor)[];
  inputs: GraphIO[];
  outputs: GraphIO[];
  docString?: string;
}

const ATTRIBUTE_TYPE = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;

function writeAttribute(w: ProtoWriter, name: string, value: AttributeValue): void {
  w.string(1, name);
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`attribute ${name}: use { float } for non-integers`);
    w.int(3, value).int(20, ATTRIBUTE_TYPE.INT);
  } else if (typeof value === 'string') {
    w.string(4, value).int(20, ATTRIBUTE_TYPE.STRING);
  } else if (Array.isArray(value)) {
    // repeated int64 ints = 8 (written unpacked, as onnx's own serializer does)
    for (const v of value) w.int(8, v);
    w.int(20, ATTRIBUTE_TYPE.INTS);
  } else {
    w.float(2, value.float).int(20, ATTRIBUTE_TYPE.FLOAT);
  }
}

function writeTensor(w: ProtoWriter, t: ExternalTensor | InlineTensor): void {
  w.packedInts(1, t.dims);
  w.int(2, t.dataType);
  w.string(8, t.name);
  if ('raw' in t) {
    w.bytes(9, t.raw);
    return;
  }
  for (const [key, value] of [
    ['location', t.location],
    ['offset', String(t.offset)],
    ['length', String(t.length)],
  ]) {
    w.message(13, (e) => e.string(1, key).string(2, value));
  }
  w.int(14, 1); // data_location = EXTERNAL
}

function writeValueInfo(w: ProtoWriter, io: GraphIO): void {
  w.string(1, io.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, io.elemType);
      tensor.message(2, (shape) => {
        for (const d of io.shape) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}

/** The serialized ModelProto. */
export function encodeModel(model: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, 8); // ir_version 8: opset 17's IR
  w.string(2, model.producer);
  w.message(7, (g) => {
    for (const node of model.nodes) {
      g.message(1, (n) => {
        for (const i of node.inputs) n.string(1, i);
        for (const o of node.outputs) n.string(2, o);
        if (node.name) n.string(3, node.name);
        n.string(4, node.op);
        for (const [k, v] of Object.entries(node.attributes ?? {})) n.message(5, (a) => writeAttribute(a, k, v));
      });
    }
    g.string(2, model.graphName);
    for (const t of model.initializers) g.message(5, (m) => writeTensor(m, t));
    if (model.docString) g.string(10, model.docString);
    for (const io of model.inputs) g.message(11, (m) => writeValueInfo(m, io));
    for (const io of model.outputs) g.message(12, (m) => writeValueInfo(m, io));
  });
  w.message(8, (o) => o.string(1, '').int(2, model.opset));
  return w.finish();
}
