/**
 * Checks of a model folder beyond manifest.json (see parseManifest): that each .onnx file is an
 * ONNX model at all, and that the graphs' inputs, outputs and fixed dimensions agree with the
 * manifest and the model contract (docs/MODEL_CONTRACT.md). Each problem is one sentence naming the
 * file and what is wrong, e.g. "encoder.onnx takes 112×112 images, but manifest.json says imgSize
 * 224." Pure: the caller passes the bytes or the sessions' metadata.
 */
import type { ModelManifest } from './model-contract.ts';

/** A problem with the model files themselves; the message names the file and the problem. */
export class ModelContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelContractError';
  }
}

/** Reads a protobuf varint at `i`; returns [value, next] or null past the end / over 64 bits. */
function varint(b: Uint8Array, i: number): [number, number] | null {
  let v = 0;
  let mul = 1;
  for (let k = 0; k < 10; k++) {
    if (i >= b.length) return null;
    const byte = b[i++];
    v += (byte & 0x7f) * mul;
    if ((byte & 0x80) === 0) return [v, i];
    mul *= 128;
  }
  return null;
}

function looksLikeText(b: Uint8Array): boolean {
  const n = Math.min(b.length, 512);
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c === 0 || (c < 32 && c !== 9 && c !== 10 && c !== 13)) return false;
  }
  return n > 0;
}

/**
 * Null when `bytes` parse as an ONNX ModelProto at the top level (every field well formed up to the
 * last byte, with ir_version and a graph), else a sentence saying what the file is instead.
 */
export function onnxProblem(bytes: Uint8Array, file: string): string | null {
  if (bytes.length === 0) return `${file} is empty (0 bytes): it is not an ONNX model.`;
  if (looksLikeText(bytes)) {
    const head = new TextDecoder().decode(bytes.subarray(0, 256)).trimStart().toLowerCase();
    if (head.startsWith('<!doctype html') || head.startsWith('<html') || head.startsWith('<')) {
      return `${file} is not an ONNX model: the server sent a web page (HTML) instead.`;
    }
    if (head.startsWith('{') || head.startsWith('[')) return `${file} is not an ONNX model: it is a JSON file.`;
    return `${file} is not an ONNX model: it is a text file.`;
  }
  let i = 0;
  let irVersion = false;
  let graph = false;
  while (i < bytes.length) {
    const key = varint(bytes, i);
    if (!key) return `${file} is not an ONNX model (it is cut off or not protobuf at byte ${i}).`;
    const field = Math.floor(key[0] / 8);
    const wire = key[0] % 8;
    i = key[1];
    if (field === 0) return `${file} is not an ONNX model (not protobuf: field 0 at byte ${i}).`;
    if (wire === 0) {
      const v = varint(bytes, i);
      if (!v) return `${file} is not an ONNX model (it is cut off at byte ${i}).`;
      i = v[1];
      if (field === 1) irVersion = true;
    } else if (wire === 1) {
      i += 8;
    } else if (wire === 5) {
      i += 4;
    } else if (wire === 2) {
      const len = varint(bytes, i);
      if (!len) return `${file} is not an ONNX model (it is cut off at byte ${i}).`;
      i = len[1] + len[0];
      if (field === 7) graph = true;
    } else {
      return `${file} is not an ONNX model (not protobuf: wire type ${wire} at byte ${i}).`;
    }
    if (i > bytes.length) {
      return `${file} is not an ONNX model, or it is truncated: a field runs ${i - bytes.length} bytes past the end of the file.`;
    }
  }
  if (!irVersion || !graph) return `${file} is not an ONNX model (no ${!graph ? 'graph' : 'ir_version'} in it).`;
  return null;
}

/** What a session says about one input or output (onnxruntime's InferenceSession metadata). */
export interface ValueInfo {
  name: string;
  /** "float32", "int64", ...; undefined when unknown */
  type?: string;
  /** numbers for fixed dims, strings for symbolic ones; undefined/empty when unknown */
  shape?: ReadonlyArray<number | string>;
}

export interface GraphSignature {
  inputs: readonly ValueInfo[];
  outputs: readonly ValueInfo[];
}

function list(names: readonly string[]): string {
  return `(${names.join(', ')})`;
}

function dim(v: ValueInfo | undefined, axis: number): number | null {
  const d = v?.shape?.[axis];
  return typeof d === 'number' && d > 0 ? d : null;
}

/**
 * Everything in the graphs' signatures that contradicts the contract or the manifest. Dimensions
 * that the graph leaves symbolic are not judged here (the test run at load catches those).
 */
export function graphSignatureProblems(m: ModelManifest, encoder: GraphSignature, decoder: GraphSignature): string[] {
  const problems: string[] = [];
  const enc = m.encoder.file;
  const dec = m.decoder.file;
  const L = (m.imgSize / m.patchSize) ** 2;
  const perPatch = m.patchSize * m.patchSize * m.inChans;
  const names = (vs: readonly ValueInfo[]): string[] => vs.map((v) => v.name);
  const sameSet = (a: string[], b: string[]): boolean => a.length === b.length && a.every((x) => b.includes(x));

  const expect = [
    { file: enc, what: 'inputs', got: names(encoder.inputs), want: ['image', 'ids_keep'] },
    { file: enc, what: 'outputs', got: names(encoder.outputs), want: ['latent'] },
    { file: dec, what: 'inputs', got: names(decoder.inputs), want: ['latent', 'ids_restore'] },
    { file: dec, what: 'outputs', got: names(decoder.outputs), want: ['pred'] },
  ];
  for (const e of expect) {
    if (!sameSet(e.got, e.want)) problems.push(`${e.file} ${e.what} are ${list(e.got)}; the model contract needs ${list(e.want)}.`);
  }
  if (problems.length > 0) return problems;

  const find = (vs: readonly ValueInfo[], n: string): ValueInfo | undefined => vs.find((v) => v.name === n);
  const types: [string, ValueInfo | undefined, string][] = [
    [enc, find(encoder.inputs, 'image'), 'float32'],
    [enc, find(encoder.inputs, 'ids_keep'), 'int64'],
    [enc, find(encoder.outputs, 'latent'), 'float32'],
    [dec, find(decoder.inputs, 'latent'), 'float32'],
    [dec, find(decoder.inputs, 'ids_restore'), 'int64'],
    [dec, find(decoder.outputs, 'pred'), 'float32'],
  ];
  for (const [file, v, want] of types) {
    if (v?.type !== undefined && v.type !== want) problems.push(`${file}: ${v.name} is ${v.type}; the model contract needs ${want}.`);
  }

  const image = find(encoder.inputs, 'image');
  const rank = image?.shape?.length ?? 0;
  if (rank > 0 && rank !== 4) problems.push(`${enc}: image has ${rank} dimensions; the model contract needs [B, 3, H, W].`);
  const chans = dim(image, 1);
  if (chans !== null && chans !== m.inChans)
    problems.push(`${enc} takes images with ${chans} channels, but manifest.json says inChans ${m.inChans}.`);
  const h = dim(image, 2);
  const w = dim(image, 3);
  if ((h !== null && h !== m.imgSize) || (w !== null && w !== m.imgSize)) {
    problems.push(`${enc} takes ${w ?? '?'}×${h ?? '?'} images, but manifest.json says imgSize ${m.imgSize}.`);
  }
  const encD = dim(find(encoder.outputs, 'latent'), 2);
  if (encD !== null && encD !== m.encoder.embedDim) {
    problems.push(`${enc} outputs latents of width ${encD}, but manifest.json says encoder.embedDim ${m.encoder.embedDim}.`);
  }
  const decD = dim(find(decoder.inputs, 'latent'), 2);
  if (decD !== null && decD !== m.encoder.embedDim) {
    problems.push(`${dec} takes latents of width ${decD}, but manifest.json says encoder.embedDim ${m.encoder.embedDim}.`);
  }
  const restoreL = dim(find(decoder.inputs, 'ids_restore'), 1);
  if (restoreL !== null && restoreL !== L) {
    problems.push(`${dec} takes ids_restore of ${restoreL} patches, but manifest.json's imgSize/patchSize give ${L}.`);
  }
  const pred = find(decoder.outputs, 'pred');
  const predL = dim(pred, 1);
  if (predL !== null && predL !== L) problems.push(`${dec} predicts ${predL} patches, but manifest.json's imgSize/patchSize give ${L}.`);
  const predD = dim(pred, 2);
  if (predD !== null && predD !== perPatch) {
    problems.push(`${dec} predicts ${predD} values per patch, but patchSize ${m.patchSize} × ${m.inChans} channels need ${perPatch}.`);
  }
  return problems;
}

/** Checks the dims of one test run (`batch` images, K visible patches each) against the manifest; `predLength` is one image's. */
export function testRunProblems(m: ModelManifest, k: number, latentDims: readonly number[], predLength: number, batch = 1): string[] {
  const problems: string[] = [];
  const L = (m.imgSize / m.patchSize) ** 2;
  const perPatch = m.patchSize * m.patchSize * m.inChans;
  const [b, tokens, d] = latentDims;
  const images = batch === 1 ? '1 image' : `${batch} images`;
  if (latentDims.length !== 3 || b !== batch || tokens !== 1 + k) {
    problems.push(
      `${m.encoder.file} returned latent [${latentDims.join(', ')}] for ${images} with ${k} visible patches; the contract needs [${batch}, ${1 + k}, D].`,
    );
  } else if (d !== m.encoder.embedDim) {
    problems.push(`${m.encoder.file} outputs latents of width ${d}, but manifest.json says encoder.embedDim ${m.encoder.embedDim}.`);
  }
  if (predLength !== L * perPatch) {
    problems.push(`${m.decoder.file} returned ${predLength} values for 1 image; ${L} patches × ${perPatch} values need ${L * perPatch}.`);
  }
  return problems;
}
