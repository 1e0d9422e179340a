/**
 * Checks of a model folder beyond manifest.json (see parseManifest): that each .onnx file is an
 * ONNX model at all, and that the graphs' inputs, outputs and fixed dimensions agree with the
 * manifest and the model contract (docs/MODEL_CONTRACT.md). Each problem is one sentence naming the
 * file and what is wrong, e.g. "encoder.onnx takes 112×112 images, but manifest.json says imgSize
 * 224." Pure: the caller passes the bytes or the sessions' metadata. Format 2 graphs also take the
 * position tables (pos_embed, decoder_pos_embed) and leave H, W and the patch count dynamic; their
 * attention graphs are checked by attentionSignatureProblems.
 */
import { isV2, type ModelManifest } from './model-contract.ts';

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

  const v2 = isV2(m);
  const encIn = v2 ? ['image', 'ids_keep', 'pos_embed'] : ['image', 'ids_keep'];
  const decIn = v2 ? ['latent', 'ids_restore', 'decoder_pos_embed'] : ['latent', 'ids_restore'];
  const expect = [
    { file: enc, what: 'inputs', got: names(encoder.inputs), want: encIn },
    { file: enc, what: 'outputs', got: names(encoder.outputs), want: ['latent'] },
    { file: dec, what: 'inputs', got: names(decoder.inputs), want: decIn },
    { file: dec, what: 'outputs', got: names(decoder.outputs), want: ['pred'] },
  ];
  for (const e of expect) {
    if (sameSet(e.got, e.want)) continue;
    const posInput = e.got.find((n) => n === 'pos_embed' || n === 'decoder_pos_embed');
    if (!v2 && posInput) {
      problems.push(
        `${e.file} takes ${posInput} (a format 2 graph), but manifest.json does not say format "mae-playground/2" with a grid.`,
      );
    } else {
      problems.push(`${e.file} ${e.what} are ${list(e.got)}; the model contract${v2 ? ' (format 2)' : ''} needs ${list(e.want)}.`);
    }
  }
  if (problems.length > 0) return problems;
  if (v2) problems.push(...v2Problems(m, encoder, decoder));

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
  const dynamic = v2 && m.grid?.dynamic === true;
  if (!dynamic && ((h !== null && h !== m.imgSize) || (w !== null && w !== m.imgSize))) {
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
  if (!dynamic && restoreL !== null && restoreL !== L) {
    problems.push(`${dec} takes ids_restore of ${restoreL} patches, but manifest.json's imgSize/patchSize give ${L}.`);
  }
  const pred = find(decoder.outputs, 'pred');
  const predL = dim(pred, 1);
  if (!dynamic && predL !== null && predL !== L)
    problems.push(`${dec} predicts ${predL} patches, but manifest.json's imgSize/patchSize give ${L}.`);
  const predD = dim(pred, 2);
  if (predD !== null && predD !== perPatch) {
    problems.push(`${dec} predicts ${predD} values per patch, but patchSize ${m.patchSize} × ${m.inChans} channels need ${perPatch}.`);
  }
  return problems;
}

/** Format 2 signatures: the position inputs and the dims a dynamic grid must leave open. */
function v2Problems(m: ModelManifest, encoder: GraphSignature, decoder: GraphSignature): string[] {
  const problems: string[] = [];
  const enc = m.encoder.file;
  const dec = m.decoder.file;
  const find = (vs: readonly ValueInfo[], n: string): ValueInfo | undefined => vs.find((v) => v.name === n);
  const fixed = (v: ValueInfo | undefined, axis: number): number | null => dim(v, axis);
  const image = find(encoder.inputs, 'image');
  if (m.grid?.dynamic) {
    const h = fixed(image, 2);
    const w = fixed(image, 3);
    if (h !== null || w !== null) {
      problems.push(
        `${enc} takes only ${w ?? 'any'}×${h ?? 'any'} images, but manifest.json says grid.dynamic: format 2 needs H and W left dynamic.`,
      );
    }
  }
  const tables: [string, ValueInfo | undefined, number, string][] = [
    [enc, find(encoder.inputs, 'pos_embed'), m.encoder.embedDim, 'encoder.embedDim'],
    [dec, find(decoder.inputs, 'decoder_pos_embed'), m.decoder.embedDim, 'decoder.embedDim'],
  ];
  for (const [file, v, width, field] of tables) {
    if (!v) continue;
    if (v.type !== undefined && v.type !== 'float32') problems.push(`${file}: ${v.name} is ${v.type}; the model contract needs float32.`);
    const rank = v.shape?.length ?? 0;
    if (rank > 0 && rank !== 3) {
      problems.push(`${file}: ${v.name} has ${rank} dimensions; the model contract needs [1, 1+L, D].`);
      continue;
    }
    const rows = fixed(v, 1);
    if (m.grid?.dynamic && rows !== null) {
      problems.push(`${file}: ${v.name} is fixed to ${rows} rows, but manifest.json says grid.dynamic: format 2 needs 1+L left dynamic.`);
    }
    const d = fixed(v, 2);
    if (d !== null && d !== width) problems.push(`${file}: ${v.name} has width ${d}, but manifest.json says ${field} ${width}.`);
  }
  if (m.grid?.dynamic) {
    const restoreL = fixed(find(decoder.inputs, 'ids_restore'), 1);
    if (restoreL !== null) {
      problems.push(
        `${dec}: ids_restore is fixed to ${restoreL} patches, but manifest.json says grid.dynamic: format 2 needs L left dynamic.`,
      );
    }
  }
  return problems;
}

/**
 * Format 2 attention graphs (manifest.attention) against the contract: the same inputs as the normal
 * graphs; encoder outputs (latent, attention [B, depth, heads, 1+K, 1+K]), decoder output (attention
 * [B, decoderDepth, decoderHeads, 1+L, 1+L]). Fixed depth / head dims must match the manifest.
 */
export function attentionSignatureProblems(m: ModelManifest, encoder: GraphSignature, decoder: GraphSignature): string[] {
  if (!m.attention) return ['manifest.json names no attention graphs (format 2 "attention"): this folder offers no attention maps.'];
  const problems: string[] = [];
  const names = (vs: readonly ValueInfo[]): string[] => vs.map((v) => v.name);
  const sameSet = (a: string[], b: string[]): boolean => a.length === b.length && a.every((x) => b.includes(x));
  const parts = [
    {
      file: m.attention.encoder.file,
      sig: encoder,
      inputs: ['image', 'ids_keep', 'pos_embed'],
      outputs: ['latent', 'attention'],
      info: m.encoder,
      side: 'encoder',
    },
    {
      file: m.attention.decoder.file,
      sig: decoder,
      inputs: ['latent', 'ids_restore', 'decoder_pos_embed'],
      outputs: ['attention'],
      info: m.decoder,
      side: 'decoder',
    },
  ];
  for (const p of parts) {
    if (!sameSet(names(p.sig.inputs), p.inputs)) {
      problems.push(`${p.file} inputs are ${list(names(p.sig.inputs))}; the model contract needs ${list(p.inputs)}.`);
      continue;
    }
    if (!sameSet(names(p.sig.outputs), p.outputs)) {
      problems.push(`${p.file} outputs are ${list(names(p.sig.outputs))}; the model contract needs ${list(p.outputs)}.`);
      continue;
    }
    const att = p.sig.outputs.find((v) => v.name === 'attention');
    if (att?.type !== undefined && att.type !== 'float32')
      problems.push(`${p.file}: attention is ${att.type}; the model contract needs float32.`);
    const rank = att?.shape?.length ?? 0;
    if (rank > 0 && rank !== 5) {
      problems.push(`${p.file}: attention has ${rank} dimensions; the model contract needs [B, depth, heads, tokens, tokens].`);
      continue;
    }
    const depth = dim(att, 1);
    if (depth !== null && depth !== p.info.depth) {
      problems.push(`${p.file} returns attention of ${depth} blocks, but manifest.json says ${p.side}.depth ${p.info.depth}.`);
    }
    const heads = dim(att, 2);
    if (heads !== null && p.info.numHeads !== undefined && heads !== p.info.numHeads) {
      problems.push(`${p.file} returns attention of ${heads} heads, but manifest.json says ${p.side}.numHeads ${p.info.numHeads}.`);
    }
  }
  return problems;
}

/** Checks the dims of one test run (`batch` images, K visible patches each) against the manifest; `predLength` is one image's. */
export function testRunProblems(
  m: ModelManifest,
  k: number,
  latentDims: readonly number[],
  predLength: number,
  batch = 1,
  /** patches of the grid the run used (format 2 runs any grid); default the training grid's */
  patches = (m.imgSize / m.patchSize) ** 2,
): string[] {
  const problems: string[] = [];
  const L = patches;
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
