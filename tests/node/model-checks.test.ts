// Model-folder checks (src/mae/model-checks.ts) on real graphs: the bundled model, the tiny test
// models of e2e/fixtures/models, and broken variants of them, through onnxruntime-node.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
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

interface Folder {
  manifest: ModelManifest;
  encoder: GraphSignature;
  decoder: GraphSignature;
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
  return { manifest, encoder: await open(manifest.encoder.file), decoder: await open(manifest.decoder.file) };
}

let def: Folder;
let tiny: Folder;
let renamed: Folder;
beforeAll(async () => {
  [def, tiny, renamed] = await Promise.all([folder(MODEL_DIR), folder(TINY), folder(RENAMED)]);
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
    // The other folder's decoder: wrong latent width and patch count for this encoder's manifest.
    const mixed = graphSignatureProblems(def.manifest, def.encoder, tiny.decoder);
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
