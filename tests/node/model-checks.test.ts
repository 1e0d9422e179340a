// Model-folder checks (src/mae/model-checks.ts) on real graphs: the bundled model, the tiny test
// models of e2e/fixtures/models, and broken variants of them, through onnxruntime-node.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attentionSignatureProblems,
  graphSignatureProblems,
  onnxProblem,
  parseManifest,
  testRunProblems,
  type GraphSignature,
  type ModelManifest,
} from '../../src/mae/index.ts';
import { ort } from '../../src/cli/node-model.ts';
import { MODEL_DIR, ROOT } from '../unit/support.ts';

const TINY = `${ROOT}e2e/fixtures/models/tiny-112/`;
const RENAMED = `${ROOT}e2e/fixtures/models/tiny-renamed/`;
const TINY_V2 = `${ROOT}e2e/fixtures/models/tiny-112-v2/`; // the same model as tiny-112, format 2

interface Folder {
  manifest: ModelManifest;
  encoder: GraphSignature;
  decoder: GraphSignature;
  attention?: { encoder: GraphSignature; decoder: GraphSignature };
}
const sessions: ort.InferenceSession[] = [];

function signature(s: ort.InferenceSession): GraphSignature {
  const info = (vs: readonly ort.InferenceSession.ValueMetadata[]) =>
    vs.map((v) => (v.isTensor ? { name: v.name, type: v.type, shape: v.shape } : { name: v.name }));
  return { inputs: info(s.inputMetadata), outputs: info(s.outputMetadata) };
}

async function folder(dir: string): Promise<Folder> {
  const manifest = parseManifest(readFileSync(`${dir}manifest.json`, 'utf8'));
  const open = async (f: string) => {
    const s = await ort.InferenceSession.create(`${dir}${f}`, { intraOpNumThreads: 1 });
    sessions.push(s);
    return signature(s);
  };
  const out: Folder = { manifest, encoder: await open(manifest.encoder.file), decoder: await open(manifest.decoder.file) };
  if (manifest.attention) {
    out.attention = { encoder: await open(manifest.attention.encoder.file), decoder: await open(manifest.attention.decoder.file) };
  }
  return out;
}

let def: Folder;
let tiny: Folder;
let renamed: Folder;
let tinyV2: Folder;
beforeAll(async () => {
  [def, tiny, renamed, tinyV2] = await Promise.all([folder(MODEL_DIR), folder(TINY), folder(RENAMED), folder(TINY_V2)]);
});
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.release()));
});

describe('onnxProblem: is this file an ONNX model at all?', () => {
  const encoder = new Uint8Array(readFileSync(`${MODEL_DIR}encoder.onnx`));
  it('accepts real exports', () => {
    expect(onnxProblem(encoder, 'encoder.onnx')).toBeNull();
    expect(onnxProblem(new Uint8Array(readFileSync(`${TINY}decoder.onnx`)), 'decoder.onnx')).toBeNull();
  });
  it('names what a wrong file is instead', () => {
    const enc = new TextEncoder();
    expect(onnxProblem(new Uint8Array(0), 'encoder.onnx')).toBe('encoder.onnx is empty (0 bytes): it is not an ONNX model.');
    expect(onnxProblem(enc.encode('<!doctype html><html>…'), 'encoder.onnx')).toBe(
      'encoder.onnx is not an ONNX model: the server sent a web page (HTML) instead.',
    );
    expect(onnxProblem(enc.encode('this is not onnx\n'), 'decoder.onnx')).toBe('decoder.onnx is not an ONNX model: it is a text file.');
    expect(onnxProblem(enc.encode('{"a": 1}'), 'decoder.onnx')).toBe('decoder.onnx is not an ONNX model: it is a JSON file.');
    const noise = new Uint8Array(4096).map((_, i) => (i * 2654435761) >>> 24);
    expect(onnxProblem(noise, 'encoder.onnx')).toMatch(/^encoder\.onnx is not an ONNX model/);
  });
  it('says a download cut midway is truncated', () => {
    expect(onnxProblem(encoder.subarray(0, encoder.length >> 1), 'encoder.onnx')).toMatch(
      /^encoder\.onnx is not an ONNX model, or it is truncated: a field runs \d+ bytes past the end of the file\.$/,
    );
  });
});

describe('graphSignatureProblems: graphs against manifest and contract', () => {
  it('finds nothing wrong with good folders', () => {
    expect(graphSignatureProblems(def.manifest, def.encoder, def.decoder)).toEqual([]);
    expect(graphSignatureProblems(tiny.manifest, tiny.encoder, tiny.decoder)).toEqual([]);
  });
  it('names a renamed input', () => {
    expect(graphSignatureProblems(renamed.manifest, renamed.encoder, renamed.decoder)).toEqual([
      'encoder.onnx inputs are (pixels, ids_keep); the model contract needs (image, ids_keep).',
    ]);
  });
  it('names an image size that differs from the manifest', () => {
    const lying = { ...tiny.manifest, imgSize: 224, numPatches: 196 };
    expect(graphSignatureProblems(lying, tiny.encoder, tiny.decoder)).toContain(
      'encoder.onnx takes 112×112 images, but manifest.json says imgSize 224.',
    );
  });
  it('names widths and patch sizes that differ from the manifest', () => {
    const wide = { ...def.manifest, encoder: { ...def.manifest.encoder, embedDim: 256 } };
    expect(graphSignatureProblems(wide, def.encoder, def.decoder)).toContain(
      'encoder.onnx outputs latents of width 192, but manifest.json says encoder.embedDim 256.',
    );
    // Another folder's decoder (of the same format as the default): wrong latent width for this manifest.
    const other = def.manifest.format === tinyV2.manifest.format ? tinyV2 : tiny;
    const mixed = graphSignatureProblems(def.manifest, def.encoder, other.decoder);
    expect(mixed).toContain('decoder.onnx takes latents of width 32, but manifest.json says encoder.embedDim 192.');
  });
});

describe('testRunProblems: one run checked against the manifest', () => {
  it('accepts the right dims and names wrong ones', () => {
    expect(testRunProblems(def.manifest, 49, [1, 50, 192], 196 * 768)).toEqual([]);
    expect(testRunProblems(def.manifest, 49, [1, 50, 32], 196 * 768)).toEqual([
      'encoder.onnx outputs latents of width 32, but manifest.json says encoder.embedDim 192.',
    ]);
    expect(testRunProblems(def.manifest, 49, [1, 50, 192], 49 * 768)).toEqual([
      'decoder.onnx returned 37632 values for 1 image; 196 patches × 768 values need 150528.',
    ]);
  });

  it('a batch run: the latent must hold one row per image (a graph fixed to batch 1 answers [1, ...] for 4 images)', () => {
    expect(testRunProblems(def.manifest, 49, [4, 50, 192], 196 * 768, 4)).toEqual([]);
    expect(testRunProblems(def.manifest, 49, [1, 50, 192], 196 * 768, 4)).toEqual([
      'encoder.onnx returned latent [1, 50, 192] for 4 images with 49 visible patches; the contract needs [4, 50, D].',
    ]);
    // and a width check still happens when the batch is right
    expect(testRunProblems(def.manifest, 49, [4, 50, 32], 196 * 768, 4)).toHaveLength(1);
  });
});

describe('format 2 folders: position inputs, dynamic grid, attention graphs', () => {
  it('finds nothing wrong with a real v2 export (graphs and weights in external data)', () => {
    expect(graphSignatureProblems(tinyV2.manifest, tinyV2.encoder, tinyV2.decoder)).toEqual([]);
    const att = tinyV2.attention;
    expect(att).toBeDefined();
    if (att) expect(attentionSignatureProblems(tinyV2.manifest, att.encoder, att.decoder)).toEqual([]);
    // what the graphs themselves say (onnxruntime's metadata), not the manifest
    expect(tinyV2.encoder.inputs.map((v) => [v.name, v.shape])).toEqual([
      ['image', ['B', 3, 'H', 'W']],
      ['ids_keep', ['B', 'K']],
      ['pos_embed', [1, 'L1', 32]],
    ]);
    expect(att?.encoder.outputs.map((v) => [v.name, v.shape])).toEqual([
      ['latent', ['B', 'K1', 32]],
      ['attention', ['B', 1, 2, 'K1', 'K1']],
    ]);
  });

  it('a v2 manifest over v1 graphs: names the missing position input', () => {
    expect(graphSignatureProblems(tinyV2.manifest, tiny.encoder, tiny.decoder)).toEqual([
      'encoder.onnx inputs are (image, ids_keep); the model contract (format 2) needs (image, ids_keep, pos_embed).',
      'decoder.onnx inputs are (latent, ids_restore); the model contract (format 2) needs (latent, ids_restore, decoder_pos_embed).',
    ]);
  });

  it('v2 graphs under a v1 manifest: says which format they need', () => {
    expect(graphSignatureProblems(tiny.manifest, tinyV2.encoder, tinyV2.decoder)).toEqual([
      'encoder.onnx takes pos_embed (a format 2 graph), but manifest.json does not say format "mae-playground/2" with a grid.',
      'decoder.onnx takes decoder_pos_embed (a format 2 graph), but manifest.json does not say format "mae-playground/2" with a grid.',
    ]);
  });

  it('names a table width that differs from the manifest, and a grid the graph fixes', () => {
    const wide = { ...tinyV2.manifest, encoder: { ...tinyV2.manifest.encoder, embedDim: 64 } };
    expect(graphSignatureProblems(wide, tinyV2.encoder, tinyV2.decoder)).toContain(
      'encoder.onnx: pos_embed has width 32, but manifest.json says encoder.embedDim 64.',
    );
    // the same graph's metadata with H, W, the table rows and L fixed (as a fixed-size export would say)
    const fix = (sig: GraphSignature, name: string, shape: (number | string)[]): GraphSignature => ({
      ...sig,
      inputs: sig.inputs.map((v) => (v.name === name ? { ...v, shape } : v)),
    });
    const enc = fix(fix(tinyV2.encoder, 'image', ['B', 3, 112, 112]), 'pos_embed', [1, 50, 32]);
    const dec = fix(tinyV2.decoder, 'ids_restore', ['B', 49]);
    expect(graphSignatureProblems(tinyV2.manifest, enc, dec)).toEqual([
      'encoder.onnx takes only 112×112 images, but manifest.json says grid.dynamic: format 2 needs H and W left dynamic.',
      'encoder.onnx: pos_embed is fixed to 50 rows, but manifest.json says grid.dynamic: format 2 needs 1+L left dynamic.',
      'decoder.onnx: ids_restore is fixed to 49 patches, but manifest.json says grid.dynamic: format 2 needs L left dynamic.',
    ]);
  });

  it('attention graphs: swapped files, wrong head counts, none offered', () => {
    const att = tinyV2.attention;
    if (!att) throw new Error('tiny-112-v2 has attention graphs');
    expect(attentionSignatureProblems(tinyV2.manifest, att.decoder, att.encoder)).toEqual([
      'encoder-attention.onnx inputs are (latent, ids_restore, decoder_pos_embed); the model contract needs (image, ids_keep, pos_embed).',
      'decoder-attention.onnx inputs are (image, ids_keep, pos_embed); the model contract needs (latent, ids_restore, decoder_pos_embed).',
    ]);
    const fourHeads = { ...tinyV2.manifest, encoder: { ...tinyV2.manifest.encoder, numHeads: 4, depth: 3 } };
    expect(attentionSignatureProblems(fourHeads, att.encoder, att.decoder)).toEqual([
      'encoder-attention.onnx returns attention of 1 blocks, but manifest.json says encoder.depth 3.',
      'encoder-attention.onnx returns attention of 2 heads, but manifest.json says encoder.numHeads 4.',
    ]);
    // the normal encoder offered as an attention graph: it has no attention output
    expect(attentionSignatureProblems(tinyV2.manifest, tinyV2.encoder, att.decoder)).toEqual([
      'encoder-attention.onnx outputs are (latent); the model contract needs (latent, attention).',
    ]);
    const { attention: _none, ...withoutAttention } = tinyV2.manifest;
    expect(attentionSignatureProblems(withoutAttention, att.encoder, att.decoder)).toEqual([
      'manifest.json names no attention graphs (format 2 "attention"): this folder offers no attention maps.',
    ]);
  });

  it("testRunProblems judges a run on another grid by that grid's patch count", () => {
    // 112 x 160 px at patch 16: a 7 x 10 grid, 70 patches, 17 kept at 0.75
    expect(testRunProblems(tinyV2.manifest, 17, [1, 18, 32], 70 * 768, 1, 70)).toEqual([]);
    expect(testRunProblems(tinyV2.manifest, 17, [1, 18, 32], 49 * 768, 1, 70)).toEqual([
      'decoder.onnx returned 37632 values for 1 image; 70 patches × 768 values need 53760.',
    ]);
  });
});
