// Hostile strings where a file's string picks an entry of a table: the names that every JavaScript
// object answers to (`'constructor' in {}` is true) must be refused, or treated as plain names, the
// same way as any other unknown string. Each case here passed a check it should not have before the
// tables became Maps and own-property lookups (issue 22).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inferArchitecture } from '../../src/features/models/weights/architecture.ts';
import { WeightsError } from '../../src/features/models/weights/errors.ts';
import { readStateDictPickle } from '../../src/features/models/weights/pickle.ts';
import { readSafetensors } from '../../src/features/models/weights/safetensors.ts';
import type { TensorEntry, TensorTable } from '../../src/features/models/weights/tensors.ts';
import { readLocalModel } from '../../src/features/models/model-local.ts';
import { ROOT } from './support.ts';

const HOSTILE = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

/** A safetensors file written by hand: 8-byte header length, the JSON header, then `data`. */
function safetensors(header: object, data: Uint8Array): Blob {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const length = new Uint8Array(8);
  new DataView(length.buffer).setBigUint64(0, BigInt(json.length), true);
  return new Blob([length, json, data as Uint8Array<ArrayBuffer>]);
}

async function thrown(p: Promise<unknown> | (() => unknown)): Promise<Error> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a refusal');
}

describe('safetensors: a dtype named like an Object property', () => {
  for (const dtype of HOSTILE) {
    it(`"${dtype}" is an unknown dtype`, async () => {
      // JSON.parse makes "__proto__" an own key of the entry, as for any other name.
      const file = safetensors({ w: { dtype, shape: [2], data_offsets: [0, 8] } }, new Uint8Array(8));
      const e = await thrown(readSafetensors(file, 'hostile.safetensors'));
      expect(e).toBeInstanceOf(WeightsError);
      expect(e.message).toBe(
        `hostile.safetensors has a safetensors header that does not match the file: w has the unknown dtype ${JSON.stringify(dtype)}. ` +
          'The file is damaged or was not written by safetensors.',
      );
    });
  }
  it('a tensor named "__proto__" is a tensor like any other', async () => {
    const header = JSON.parse('{"__proto__": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}') as object;
    const table = await readSafetensors(safetensors(header, new Uint8Array(8)), 'x.safetensors');
    expect([...table.tensors.keys()]).toEqual(['__proto__']);
    expect(table.tensors.get('__proto__')).toMatchObject({ dtype: 'float32', shape: [2], byteLength: 8 });
  });
});

describe('pickle: torch.<name> with a name every object has', () => {
  // PROTO 2, GLOBAL "torch\n<name>\n", STOP: the smallest pickle that names the global.
  const pickle = (name: string) => new Uint8Array([0x80, 0x02, 0x63, ...new TextEncoder().encode(`torch\n${name}\n`), 0x2e]);
  for (const name of HOSTILE) {
    it(`torch.${name} is refused like any function outside the list`, async () => {
      const e = await thrown(() => readStateDictPickle(pickle(name), 'hostile.pth'));
      expect(e).toBeInstanceOf(WeightsError);
      expect(e.message).toMatch(new RegExp(`^hostile\\.pth was refused: its data\\.pkl asks for the Python function torch\\.${name}, `));
      expect(e.message).toMatch(/Nothing in it was run\.$/);
    });
  }
  it('torch.FloatStorage, a real storage class, is still accepted', () => {
    expect(readStateDictPickle(pickle('FloatStorage'), 'ok.pth')).toMatchObject({ module: 'torch', name: 'FloatStorage' });
  });
});

describe('architecture: Hugging Face names that are Object properties', () => {
  /** The smallest complete Hugging Face ViTMAE (one block each side, 4-d, 2×2 patches of a 4×4 image), plus `extra`. */
  function hfTable(extra: string[]): TensorTable {
    const tensors = new Map<string, TensorEntry>();
    const add = (name: string, shape: number[]) =>
      tensors.set(name, { name, dtype: 'float32', shape, byteOffset: 0, byteLength: 4 * shape.reduce((a, b) => a * b, 1) });
    const d = 4;
    add('vit.embeddings.patch_embeddings.projection.weight', [d, 3, 2, 2]);
    add('vit.embeddings.patch_embeddings.projection.bias', [d]);
    add('vit.embeddings.cls_token', [1, 1, d]);
    add('vit.embeddings.position_embeddings', [1, 5, d]);
    add('vit.layernorm.weight', [d]);
    add('vit.layernorm.bias', [d]);
    add('decoder.decoder_embed.weight', [d, d]);
    add('decoder.decoder_embed.bias', [d]);
    add('decoder.mask_token', [1, 1, d]);
    add('decoder.decoder_pos_embed', [1, 5, d]);
    add('decoder.decoder_norm.weight', [d]);
    add('decoder.decoder_norm.bias', [d]);
    add('decoder.decoder_pred.weight', [12, d]);
    add('decoder.decoder_pred.bias', [12]);
    for (const prefix of ['vit.encoder.layer.0', 'decoder.decoder_layers.0']) {
      for (const [part, w, b] of [
        ['layernorm_before', [d], [d]],
        ['layernorm_after', [d], [d]],
        ['attention.attention.query', [d, d], [d]],
        ['attention.attention.key', [d, d], [d]],
        ['attention.attention.value', [d, d], [d]],
        ['attention.output.dense', [d, d], [d]],
        ['intermediate.dense', [4 * d, d], [4 * d]],
        ['output.dense', [d, 4 * d], [d]],
      ] as const) {
        add(`${prefix}.${part}.weight`, [...w]);
        add(`${prefix}.${part}.bias`, [...b]);
      }
    }
    for (const name of extra) add(name, [1]);
    return { container: 'safetensors', tensors };
  }

  it('the table without extras is a complete model (the cases below differ only by their extra tensor)', () => {
    expect(inferArchitecture(hfTable([]), 'hf.safetensors', { numHeads: 2, decoderNumHeads: 2 }).architecture).toMatchObject({
      embedDim: 4,
      depth: 1,
    });
  });

  for (const key of HOSTILE) {
    it(`tensors named "${key}" and "vit.encoder.layer.0.${key}.weight" are listed as unexpected`, () => {
      const e = (() => {
        try {
          inferArchitecture(hfTable([key, `vit.encoder.layer.0.${key}.weight`]), 'hf.safetensors', { numHeads: 2, decoderNumHeads: 2 });
        } catch (error) {
          return error as Error;
        }
        throw new Error('expected a refusal');
      })();
      expect(e).toBeInstanceOf(WeightsError);
      expect(e.message).toMatch(/^hf\.safetensors has shapes this app does not know how to build: /);
      expect(e.message).toContain(`unexpected ${key}, vit.encoder.layer.0.${key}.weight`);
    });
  }
});

describe('manifest.json: file names that are Object properties', () => {
  const dir = `${ROOT}e2e/fixtures/models/converted-tiny/`;
  const enc = new Uint8Array(readFileSync(`${dir}encoder.onnx`));
  const dec = new Uint8Array(readFileSync(`${dir}decoder.onnx`));
  const manifest = JSON.parse(readFileSync(`${dir}manifest.json`, 'utf8')) as Record<string, unknown> & {
    encoder: object;
    decoder: object;
  };

  for (const name of ['constructor', 'toString', 'hasOwnProperty']) {
    it(`a graph file called "${name}" that manifest.files does not list is read without a size check`, async () => {
      // Before: manifest.files["constructor"] found Object's constructor, and the folder was refused with
      // "constructor is N bytes, but manifest.json says undefined".
      const m = { ...manifest, files: {}, encoder: { ...manifest.encoder, file: name } };
      const r = await readLocalModel(
        [
          { path: 'm/manifest.json', blob: new Blob([JSON.stringify(m)]) },
          { path: `m/${name}`, blob: new Blob([enc]) },
          { path: 'm/decoder.onnx', blob: new Blob([dec]) },
        ],
        () => undefined,
      );
      expect([...r.bytes.keys()]).toEqual([name, 'decoder.onnx']);
      expect(r.bytes.get(name)).toEqual(enc);
    });
  }

  it('a files entry called "__proto__" describes a file of that name, not every file', async () => {
    // Before: `files["__proto__"] = entry` made the entry the prototype of files, so every graph
    // "inherited" its 1 byte and the folder was refused as "encoder.onnx is N bytes, but manifest.json says 1".
    const text = JSON.stringify({ ...manifest, files: undefined }).replace(/}$/, ',"files":{"__proto__":{"bytes":1}}}');
    const r = await readLocalModel(
      [
        { path: 'm/manifest.json', blob: new Blob([text]) },
        { path: 'm/encoder.onnx', blob: new Blob([enc]) },
        { path: 'm/decoder.onnx', blob: new Blob([dec]) },
      ],
      () => undefined,
    );
    expect(Object.hasOwn(r.manifest.files ?? {}, '__proto__')).toBe(true);
    expect(r.bytes.get('encoder.onnx')).toEqual(enc);
  });
});
