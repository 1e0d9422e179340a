import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ManifestError, modelFiles, numPatches, parseManifest, patchDim } from '../../src/mae/index.ts';
import { MODEL_DIR } from './support.ts';

const raw = JSON.parse(readFileSync(`${MODEL_DIR}manifest.json`, 'utf8')) as Record<string, unknown>;

type Draft = Record<string, unknown> & { encoder: Record<string, unknown>; decoder: Record<string, unknown> };

/** a copy of the shipped manifest with one change applied */
function variant(change: (m: Draft) => void): unknown {
  const m = structuredClone(raw) as Draft;
  change(m);
  return m;
}

function errorOf(json: unknown): string {
  try {
    parseManifest(json);
  } catch (e) {
    expect(e).toBeInstanceOf(ManifestError);
    return (e as Error).message;
  }
  throw new Error('expected parseManifest to throw');
}

describe('parseManifest', () => {
  it('accepts models/default/manifest.json', () => {
    const m = parseManifest(raw);
    expect(m.name).toBe(raw.name);
    expect(m.imgSize % m.patchSize).toBe(0);
    expect(numPatches(m)).toBe((m.imgSize / m.patchSize) ** 2);
    if (raw.numPatches !== undefined) expect(numPatches(m)).toBe(raw.numPatches);
    expect(patchDim(m)).toBe(m.patchSize * m.patchSize * 3);
    expect(modelFiles(m)).toContain(m.encoder.file);
    expect(modelFiles(m)).toContain(m.decoder.file);
    expect(m.mean).toHaveLength(3);
    expect(typeof m.normPixLoss).toBe('boolean');
  });

  it('accepts the JSON text too, and minimal manifests without optional fields', () => {
    expect(parseManifest(JSON.stringify(raw)).name).toBe(raw.name);
    const minimal = {
      name: 'x',
      imgSize: 224,
      patchSize: 16,
      inChans: 3,
      mean: [0, 0, 0],
      std: [1, 1, 1],
      normPixLoss: true,
      encoder: { file: 'encoder.onnx', embedDim: 8, depth: 1 },
      decoder: { file: 'decoder.onnx', embedDim: 8, depth: 1 },
    };
    const m = parseManifest(minimal);
    expect(m.format).toBeUndefined();
    expect(numPatches(m)).toBe(196);
    expect(
      parseManifest({
        ...minimal,
        imgSize: 224,
        patchSize: 14,
        encoder: { file: 'encoder.onnx', externalData: ['encoder.onnx.data'], embedDim: 1280, depth: 32, numHeads: 16 },
      }).encoder.externalData,
    ).toEqual(['encoder.onnx.data']);
  });

  const broken: [string, (m: Draft) => void, string][] = [
    [
      'imgSize not divisible',
      (m) => {
        m.imgSize = 225;
      },
      'manifest.json: imgSize must be a positive integer divisible by patchSize (got 225)',
    ],
    [
      'imgSize missing',
      (m) => {
        Reflect.deleteProperty(m, 'imgSize');
      },
      'manifest.json: imgSize must be a positive integer divisible by patchSize (got nothing)',
    ],
    [
      'patchSize zero',
      (m) => {
        m.patchSize = 0;
      },
      'manifest.json: patchSize must be a positive integer (got 0)',
    ],
    [
      'patchSize string',
      (m) => {
        m.patchSize = '16';
      },
      'manifest.json: patchSize must be a positive integer (got "16")',
    ],
    [
      'inChans 1',
      (m) => {
        m.inChans = 1;
      },
      'manifest.json: inChans must be 3 (RGB) (got 1)',
    ],
    [
      'numPatches wrong',
      (m) => {
        m.numPatches = 197;
      },
      'manifest.json: numPatches must equal (imgSize/patchSize)^2 = 196 (got 197)',
    ],
    [
      'mean too short',
      (m) => {
        m.mean = [0.5, 0.5];
      },
      'manifest.json: mean must be an array of 3 finite numbers (got [0.5,0.5])',
    ],
    [
      'std zero',
      (m) => {
        m.std = [0.2, 0, 0.2];
      },
      'manifest.json: std entries must be positive (got [0.2,0,0.2])',
    ],
    [
      'normPixLoss string',
      (m) => {
        m.normPixLoss = 'false';
      },
      'manifest.json: normPixLoss must be true or false (got "false")',
    ],
    [
      'name empty',
      (m) => {
        m.name = '';
      },
      'manifest.json: name must be a non-empty string (got "")',
    ],
    [
      'format unknown',
      (m) => {
        m.format = 'mae-playground/2';
      },
      'manifest.json: format must be "mae-playground/1" (got "mae-playground/2")',
    ],
    [
      'encoder missing',
      (m) => {
        Reflect.deleteProperty(m, 'encoder');
      },
      'manifest.json: encoder must be an object with file, embedDim and depth (got nothing)',
    ],
    [
      'decoder file escapes',
      (m) => {
        m.decoder.file = '../secret.onnx';
      },
      'manifest.json: decoder.file must be a relative file name inside the model folder (got "../secret.onnx")',
    ],
    [
      'encoder file url',
      (m) => {
        m.encoder.file = 'https://example.org/e.onnx';
      },
      'manifest.json: encoder.file must be a relative file name inside the model folder (got "https://example.org/e.onnx")',
    ],
    [
      'encoder embedDim',
      (m) => {
        m.encoder.embedDim = 0;
      },
      'manifest.json: encoder.embedDim must be a positive integer (got 0)',
    ],
    [
      'decoder depth',
      (m) => {
        m.decoder.depth = 2.5;
      },
      'manifest.json: decoder.depth must be a positive integer (got 2.5)',
    ],
    [
      'heads do not divide',
      (m) => {
        m.encoder.numHeads = 5;
      },
      `manifest.json: encoder.numHeads must divide encoder.embedDim (${(raw.encoder as { embedDim: number }).embedDim}) (got 5)`,
    ],
    [
      'externalData not array',
      (m) => {
        m.encoder.externalData = 'x.data';
      },
      'manifest.json: encoder.externalData must be an array of file names (got "x.data")',
    ],
    [
      'trainMaskRatio 1',
      (m) => {
        m.trainMaskRatio = 1;
      },
      'manifest.json: trainMaskRatio must be a number in [0, 1) (got 1)',
    ],
    [
      'sha256 bad',
      (m) => {
        m.files = { 'encoder.onnx': { bytes: 1, sha256: 'xyz' } };
      },
      'manifest.json: files["encoder.onnx"].sha256 must be 64 hex digits (got "xyz")',
    ],
    [
      'bytes negative',
      (m) => {
        m.files = { 'encoder.onnx': { bytes: -1 } };
      },
      'manifest.json: files["encoder.onnx"].bytes must be a non-negative integer (got -1)',
    ],
  ];
  for (const [label, change, message] of broken) {
    it(`rejects: ${label}`, () => {
      expect(errorOf(variant(change))).toBe(message);
    });
  }

  it('rejects non-objects and bad JSON text', () => {
    expect(errorOf(null)).toBe('manifest.json: root must be a JSON object (got null)');
    expect(errorOf([])).toBe('manifest.json: root must be a JSON object (got [])');
    expect(errorOf('{nope')).toMatch(/^manifest.json: not valid JSON/);
  });

  it('drops unknown fields but passes source through', () => {
    const m = parseManifest(
      variant((x) => {
        x.extra = 1;
        x.source = { kind: 'test', heldOut: { mse: 0.4 } };
      }),
    );
    expect('extra' in m).toBe(false);
    expect(m.source).toEqual({ kind: 'test', heldOut: { mse: 0.4 } });
  });
});
