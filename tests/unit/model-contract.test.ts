import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ManifestError, attentionFiles, isV2, modelFiles, numPatches, parseManifest, patchDim } from '../../src/mae/index.ts';
import { MODEL_DIR, ROOT } from './support.ts';

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
        m.format = 'mae-playground/3';
      },
      'manifest.json: format must be "mae-playground/1" or "mae-playground/2" (got "mae-playground/3")',
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

// Format 2 (docs/MODEL_CONTRACT.md): a real export (e2e/fixtures/models/tiny-112-v2, written by
// python/mae_playground/export_onnx.py) and its format 1 twin (tiny-112), which must load as before.
describe('parseManifest: format 2', () => {
  const v2raw = JSON.parse(readFileSync(`${ROOT}e2e/fixtures/models/tiny-112-v2/manifest.json`, 'utf8')) as Draft;
  const v1raw = JSON.parse(readFileSync(`${ROOT}e2e/fixtures/models/tiny-112/manifest.json`, 'utf8')) as Draft;
  const v2 = (change: (m: Draft) => void): unknown => {
    const m = structuredClone(v2raw);
    change(m);
    return m;
  };

  it('reads grid, attention and every file of a v2 export', () => {
    const m = parseManifest(v2raw);
    expect(isV2(m)).toBe(true);
    expect(m.grid).toEqual({ dynamic: true, positions: 'sincos-2d', positionsMaxAbsDiff: 0 });
    expect(m.attention).toEqual({
      encoder: { file: 'encoder-attention.onnx', externalData: ['encoder.onnx.data'] },
      decoder: { file: 'decoder-attention.onnx', externalData: ['decoder.onnx.data'] },
    });
    expect(modelFiles(m)).toEqual(['encoder.onnx', 'encoder.onnx.data', 'decoder.onnx', 'decoder.onnx.data']);
    // the attention graphs reuse the normal graphs' data: only the two graph files are new
    expect(attentionFiles(m)).toEqual(['encoder-attention.onnx', 'decoder-attention.onnx']);
    for (const f of [...modelFiles(m), ...attentionFiles(m)]) expect(m.files?.[f]?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('still reads a v1 folder, which has no grid and no attention graphs', () => {
    const m = parseManifest(v1raw);
    expect(m.format).toBe('mae-playground/1');
    expect(isV2(m)).toBe(false);
    expect(m.grid).toBeUndefined();
    expect(attentionFiles(m)).toEqual([]);
    expect(modelFiles(m)).toEqual(['encoder.onnx', 'decoder.onnx']);
  });

  it('a learned table: pos-embed.bin is one of the files to fetch', () => {
    const m = parseManifest(
      v2((x) => {
        x.grid = { dynamic: true, positions: 'table', positionsFile: 'pos-embed.bin', positionsMaxAbsDiff: 0.3 };
        (x.files as Record<string, unknown>)['pos-embed.bin'] = { bytes: 9664, sha256: '0'.repeat(64) };
      }),
    );
    expect(m.grid?.positionsFile).toBe('pos-embed.bin');
    expect(modelFiles(m)).toContain('pos-embed.bin');
  });

  it('a v2 folder without attention graphs loads (the view then says why it is unavailable)', () => {
    const m = parseManifest(
      v2((x) => {
        Reflect.deleteProperty(x, 'attention');
      }),
    );
    expect(m.attention).toBeUndefined();
    expect(attentionFiles(m)).toEqual([]);
  });

  const bad: [string, (m: Draft) => void, string][] = [
    [
      'no grid',
      (m) => Reflect.deleteProperty(m, 'grid'),
      'manifest.json: grid must be an object {dynamic, positions} in format "mae-playground/2" (got nothing)',
    ],
    [
      'unknown positions',
      (m) => {
        m.grid = { dynamic: true, positions: 'learned' };
      },
      'manifest.json: grid.positions must be "sincos-2d" or "table" (got "learned")',
    ],
    [
      'dynamic not boolean',
      (m) => {
        m.grid = { dynamic: 'yes', positions: 'sincos-2d' };
      },
      'manifest.json: grid.dynamic must be true or false (got "yes")',
    ],
    [
      'table without its file',
      (m) => {
        m.grid = { dynamic: true, positions: 'table' };
      },
      'manifest.json: grid.positionsFile (the stored tables of positions "table") must be a non-empty file name (got nothing)',
    ],
    [
      'table file outside the folder',
      (m) => {
        m.grid = { dynamic: true, positions: 'table', positionsFile: '../pos.bin' };
      },
      'manifest.json: grid.positionsFile (the stored tables of positions "table") must be a relative file name inside the model folder (got "../pos.bin")',
    ],
    [
      'sin-cos with a table file',
      (m) => {
        m.grid = { dynamic: true, positions: 'sincos-2d', positionsFile: 'pos-embed.bin' };
      },
      'manifest.json: grid.positionsFile belongs to positions "table" only (sin-cos tables are computed) (got "pos-embed.bin")',
    ],
    [
      'negative difference',
      (m) => {
        m.grid = { dynamic: true, positions: 'sincos-2d', positionsMaxAbsDiff: -1 };
      },
      'manifest.json: grid.positionsMaxAbsDiff must be a number >= 0 (got -1)',
    ],
    [
      'attention not an object',
      (m) => {
        m.attention = 'encoder-attention.onnx';
      },
      'manifest.json: attention must be an object {encoder: {file, externalData}, decoder: {...}} (got "encoder-attention.onnx")',
    ],
    [
      'attention decoder missing',
      (m) => {
        m.attention = { encoder: { file: 'encoder-attention.onnx' } };
      },
      'manifest.json: attention.decoder must be an object with file (and externalData) (got nothing)',
    ],
    [
      'attention graph outside the folder',
      (m) => {
        m.attention = { encoder: { file: '/etc/a.onnx' }, decoder: { file: 'decoder-attention.onnx' } };
      },
      'manifest.json: attention.encoder.file must be a relative file name inside the model folder (got "/etc/a.onnx")',
    ],
    [
      'attention data not a list',
      (m) => {
        m.attention = { encoder: { file: 'encoder-attention.onnx', externalData: 'encoder.onnx.data' }, decoder: { file: 'd.onnx' } };
      },
      'manifest.json: attention.encoder.externalData must be an array of file names (got "encoder.onnx.data")',
    ],
    [
      'an attention graph not in files',
      (m) => {
        Reflect.deleteProperty(m.files as object, 'decoder-attention.onnx');
      },
      'manifest.json: files["decoder-attention.onnx"] is missing: format 2 lists every file it uses, with bytes and sha256 (got nothing)',
    ],
    [
      'the weights not in files',
      (m) => {
        Reflect.deleteProperty(m.files as object, 'encoder.onnx.data');
      },
      'manifest.json: files["encoder.onnx.data"] is missing: format 2 lists every file it uses, with bytes and sha256 (got nothing)',
    ],
  ];
  for (const [label, change, message] of bad) {
    it(`rejects: ${label}`, () => {
      expect(errorOf(v2(change))).toBe(message);
    });
  }

  it('rejects v2 fields under format 1, naming the format they need', () => {
    const m = structuredClone(v1raw);
    m.grid = { dynamic: true, positions: 'sincos-2d' };
    expect(errorOf(m)).toBe(
      'manifest.json: grid needs format "mae-playground/2" (format 1 graphs have none) (got {"dynamic":true,"positions":"sincos-2d"})',
    );
    const n = structuredClone(v1raw);
    n.attention = { encoder: { file: 'e.onnx' }, decoder: { file: 'd.onnx' } };
    expect(errorOf(n)).toMatch(/^manifest\.json: attention needs format "mae-playground\/2"/);
  });
});
