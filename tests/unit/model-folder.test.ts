import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/mae/index.ts';
import { listNames, locateModelFolder, missingModelFiles, ModelFolderError } from '../../src/features/models/model-folder.ts';
import { readLocalModel } from '../../src/features/models/model-local.ts';
import { ModelLoadError } from '../../src/features/models/model-download.ts';
import { ROOT } from './support.ts';

/** The converter-written fixture (e2e/fixtures/make-byom-model.py): a real model folder. */
const CONVERTED = `${ROOT}e2e/fixtures/models/converted-tiny/`;
const read = (f: string): Buffer => readFileSync(`${CONVERTED}${f}`);
const manifestText = read('manifest.json').toString('utf8');

const chosen = (...paths: string[]) => paths.map((path, i) => ({ path, item: i }));

function folderError(files: { path: string; item: number }[]): string {
  try {
    locateModelFolder(files);
  } catch (e) {
    expect(e).toBeInstanceOf(ModelFolderError);
    return (e as Error).message;
  }
  throw new Error('expected locateModelFolder to throw');
}

describe('locateModelFolder', () => {
  it('keys the files by their path inside the folder of manifest.json', () => {
    const f = locateModelFolder(chosen('m/manifest.json', 'm/encoder.onnx', 'm/w/encoder.onnx.data', 'other.txt'));
    expect(f.root).toBe('m/');
    expect([...f.files.keys()]).toEqual(['manifest.json', 'encoder.onnx', 'w/encoder.onnx.data']);
    expect(locateModelFolder(chosen('manifest.json', 'decoder.onnx')).root).toBe('');
  });

  it('takes the shallowest manifest when the parent of the model folder was picked', () => {
    const f = locateModelFolder(
      chosen('parent/model/manifest.json', 'parent/model/encoder.onnx', 'parent/model/old/manifest.json', 'parent/readme.md'),
    );
    expect(f.root).toBe('parent/model/');
    expect([...f.files.keys()]).toEqual(['manifest.json', 'encoder.onnx', 'old/manifest.json']);
  });

  it('names what is wrong with the selection', () => {
    expect(folderError(chosen('m/encoder.onnx', 'm/decoder.onnx'))).toBe(
      'There is no manifest.json among the 2 files chosen (m/encoder.onnx, m/decoder.onnx): a model folder holds manifest.json, encoder.onnx and decoder.onnx.',
    );
    expect(folderError(chosen('decoder.onnx'))).toMatch(/^There is no manifest\.json among the only file chosen \(decoder\.onnx\)/);
    expect(folderError(chosen('all/a/manifest.json', 'all/b/manifest.json'))).toBe(
      'The selection holds 2 model folders (all/a/, all/b/): open one model folder at a time.',
    );
    expect(folderError([])).toBe('No files reached the app: open the model folder again.');
  });

  it('listNames keeps messages short', () => {
    expect(listNames(['a', 'b', 'c'], 2)).toBe('a, b and 1 more');
    expect(listNames(['a'])).toBe('a');
  });
});

describe('missingModelFiles', () => {
  const m = parseManifest(manifestText);
  it('is empty when every file the manifest names is there', () => {
    expect(missingModelFiles(m, new Set(['encoder.onnx', 'decoder.onnx']))).toEqual([]);
  });
  it('names each missing graph and external-data file and where the manifest names it', () => {
    const ext = parseManifest({ ...JSON.parse(manifestText), encoder: { ...m.encoder, externalData: ['encoder.onnx.data'] } });
    expect(missingModelFiles(ext, new Set(['encoder.onnx']))).toEqual([
      'encoder.onnx.data is missing from the folder: manifest.json lists it as the weights of encoder.onnx (encoder.externalData[0]).',
      'decoder.onnx is missing from the folder: manifest.json names it as the decoder (decoder.file).',
    ]);
  });
});

/** readLocalModel (the worker's reader) on Blobs, as the worker receives them. */
async function localError(files: Record<string, string | Uint8Array<ArrayBuffer>>): Promise<string> {
  try {
    await readLocalModel(
      Object.entries(files).map(([path, body]) => ({ path, blob: new Blob([body]) })),
      () => undefined,
    );
  } catch (e) {
    expect(e).toBeInstanceOf(ModelLoadError);
    expect((e as ModelLoadError).retryable).toBe(false);
    return (e as Error).message;
  }
  throw new Error('expected readLocalModel to throw');
}

describe('readLocalModel', () => {
  const enc = new Uint8Array(read('encoder.onnx'));
  const dec = new Uint8Array(read('decoder.onnx'));
  const noFiles = JSON.stringify({ ...JSON.parse(manifestText), files: undefined });

  it('reads the converter-written folder: manifest, both graphs, progress up to every byte', async () => {
    const progress: [number, number][] = [];
    const files = [
      { path: 'converted-tiny/manifest.json', blob: new Blob([manifestText]) },
      { path: 'converted-tiny/encoder.onnx', blob: new Blob([enc]) },
      { path: 'converted-tiny/decoder.onnx', blob: new Blob([dec]) },
    ];
    const r = await readLocalModel(files, (loaded, total) => progress.push([loaded, total]));
    expect(r.manifest.name).toBe('Converted tiny MAE (random weights)');
    expect([r.manifest.imgSize, r.manifest.encoder.embedDim]).toEqual([112, 48]);
    expect((r.manifest.source as { kind: string }).kind).toBe('official-checkpoint');
    expect([...r.bytes.keys()]).toEqual(['encoder.onnx', 'decoder.onnx']);
    expect(r.bytes.get('encoder.onnx')).toEqual(enc);
    expect(progress.at(-1)).toEqual([enc.length + dec.length, enc.length + dec.length]);
  });

  it('names each broken folder', async () => {
    expect(await localError({ 'manifest.json': '{ "name": "half', 'encoder.onnx': enc })).toMatch(
      /^The folder has a bad manifest\.json: not valid JSON \(.+\)$/,
    );
    expect(await localError({ 'manifest.json': JSON.stringify({ ...JSON.parse(manifestText), imgSize: 113 }) })).toBe(
      'The folder has a bad manifest.json: imgSize must be a positive integer divisible by patchSize (got 113)',
    );
    expect(await localError({ 'manifest.json': manifestText, 'encoder.onnx': enc })).toBe(
      'decoder.onnx is missing from the folder: manifest.json names it as the decoder (decoder.file).',
    );
    expect(await localError({ 'manifest.json': manifestText, 'encoder.onnx': dec, 'decoder.onnx': dec })).toBe(
      `encoder.onnx is ${dec.length} bytes, but manifest.json says ${enc.length}: it is not the file this manifest describes.`,
    );
    const junk = new Uint8Array(4096).map((_, i) => (i * 7919 + 13) % 251);
    expect(await localError({ 'manifest.json': noFiles, 'encoder.onnx': junk, 'decoder.onnx': dec })).toMatch(
      /^encoder\.onnx is not an ONNX model/,
    );
    const flipped = enc.slice();
    flipped[enc.length - 1] ^= 1;
    expect(await localError({ 'manifest.json': manifestText, 'encoder.onnx': flipped, 'decoder.onnx': dec })).toMatch(
      /^encoder\.onnx does not match manifest\.json \(SHA-256 [0-9a-f]{12}…, expected cf48849e1621…\): the file is damaged or belongs to another model\.$/,
    );
  });
});
