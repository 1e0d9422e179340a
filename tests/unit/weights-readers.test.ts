// The weights readers on files that PyTorch, Python's pickle and zipfile wrote
// (python/mae_fixtures/weight_fixtures.py): every tensor found where Python says it is, and every
// bad file refused with its own message.
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/mae/index.ts';
import { architectureLabel, importWeights, type ImportOptions } from '../../src/features/models/weights/index.ts';
import { inferArchitecture } from '../../src/features/models/weights/architecture.ts';
import { readStateDictPickle } from '../../src/features/models/weights/pickle.ts';
import { readSafetensors } from '../../src/features/models/weights/safetensors.ts';
import { readTorchCheckpoint } from '../../src/features/models/weights/torch-checkpoint.ts';
import type { TensorEntry, TensorTable } from '../../src/features/models/weights/tensors.ts';
import type { ExternalChunk } from '../../src/features/models/weights/mae-graph.ts';
import { FIXTURE_HEADS, LAYOUTS, fixture, importError, references } from './weights-support.ts';

/** The first values of a tensor, read from its byte range in the file and widened to float32. */
async function headValues(blob: Blob, t: TensorEntry, n = 4): Promise<number[]> {
  const bytes = new DataView(await blob.slice(t.byteOffset, t.byteOffset + t.byteLength).arrayBuffer());
  const out: number[] = [];
  for (
    let i = 0;
    i <
    Math.min(
      n,
      t.shape.reduce((a, b) => a * b, 1),
    );
    i++
  ) {
    if (t.dtype === 'float32') out.push(bytes.getFloat32(i * 4, true));
    else if (t.dtype === 'bfloat16') out.push(new Float32Array(new Uint32Array([bytes.getUint16(i * 2, true) << 16]).buffer)[0]);
    else {
      // IEEE half → float
      const h = bytes.getUint16(i * 2, true);
      const exp = (h >> 10) & 0x1f;
      const frac = h & 0x3ff;
      const sign = h & 0x8000 ? -1 : 1;
      out.push(exp === 0 ? sign * 2 ** -14 * (frac / 1024) : sign * 2 ** (exp - 15) * (1 + frac / 1024));
    }
  }
  return out;
}

describe('readers: every tensor where PyTorch put it', () => {
  for (const file of LAYOUTS) {
    it(`${file}: names, dtypes, shapes and first values match Python's`, async () => {
      const blob = await fixture(file);
      const table: TensorTable = file.endsWith('.safetensors') ? await readSafetensors(blob, file) : await readTorchCheckpoint(blob, file);
      const want = references.tensors[file];
      expect([...table.tensors.keys()].sort()).toEqual(Object.keys(want).sort());
      for (const [name, facts] of Object.entries(want)) {
        const t = table.tensors.get(name) as TensorEntry;
        expect(t.dtype, name).toBe(facts.dtype);
        expect(t.shape, name).toEqual(facts.shape);
        // where Python found the tensor's own bytes in the file
        expect([t.byteOffset, t.byteOffset + t.byteLength], name).toEqual(facts.bytes);
        const got = await headValues(blob, t);
        got.forEach((v, i) => expect(v, `${name}[${i}]`).toBeCloseTo(facts.head[i], 6));
      }
    });
  }

  it('zip64: with the classic end record at its 0xFFFF.. markers, the zip64 record that torch.save wrote is used', async () => {
    // torch.save always writes a zip64 end record and locator; files over 4 GB need them. Point the
    // classic record at them the way a > 4 GB file does, and every tensor must still be found.
    const bytes = new Uint8Array(await (await fixture('mae_visualize_vit_tiny.pth')).arrayBuffer());
    const view = new DataView(bytes.buffer);
    let eocd = bytes.length - 22;
    while (view.getUint32(eocd, true) !== 0x06054b50) eocd--;
    expect(view.getUint32(eocd - 20, true)).toBe(0x07064b50); // the zip64 locator torch wrote
    view.setUint16(eocd + 8, 0xffff, true);
    view.setUint16(eocd + 10, 0xffff, true);
    view.setUint32(eocd + 12, 0xffffffff, true);
    view.setUint32(eocd + 16, 0xffffffff, true);
    const table = await readTorchCheckpoint(new Blob([bytes]), 'zip64.pth');
    expect([...table.tensors.keys()].sort()).toEqual(Object.keys(references.tensors['mae_visualize_vit_tiny.pth']).sort());
  });

  it('the official checkpoint keeps its top-level keys ({model: ...})', async () => {
    const table = await readTorchCheckpoint(await fixture('mae_visualize_vit_tiny.pth'), 'x.pth');
    expect(table.topLevelKeys).toEqual(['model']);
  });
});

describe('importWeights: manifest and model card', () => {
  it('reads the architecture from the shapes and writes a manifest the app accepts', async () => {
    const file = await fixture('mae_visualize_vit_tiny.pth');
    const m = await importWeights(file, 'mae_visualize_vit_tiny.pth', FIXTURE_HEADS);
    const c = references.config;
    expect(parseManifest(JSON.parse(JSON.stringify(m.manifest)))).toMatchObject({
      imgSize: c.img_size,
      patchSize: c.patch_size,
      normPixLoss: false,
      encoder: { embedDim: c.embed_dim, depth: c.depth, numHeads: c.num_heads },
      decoder: { embedDim: c.decoder_embed_dim, depth: c.decoder_depth, numHeads: c.decoder_num_heads },
    });
    expect(m.card).toMatchObject({ layout: 'official', container: 'pytorch-zip', targets: 'pixels', fileBytes: file.size });
    // parameters as PyTorch counts them on the state dict (weight_fixtures.param_counts), and by hand for the
    // 16 px, patch 4, 48-d × 2 (mlp 4) encoder: 2352 + 48 + 816 + 2 × 28272 + 96 = 59856; 32-d × 1 decoder:
    // 1568 + 32 + 544 + 12704 + 64 + 1584 = 16496
    expect(references.params).toEqual({ encoder: 59856, decoder: 16496 });
    expect([m.card.encoderParams, m.card.decoderParams]).toEqual([references.params.encoder, references.params.decoder]);
    expect([m.manifest.encoder.params, m.manifest.decoder.params]).toEqual([59856, 16496]);
    // the external data onnxruntime gets: each chunk is the file's own bytes, and every tensor lies, whole,
    // inside a chunk of the graph that uses it, at the byte range where Python found its values in the file
    const fileBytes = new Uint8Array(await file.arrayBuffer());
    const chunkAt = new Map(m.chunks.map((c) => [c.path, c]));
    for (const e of m.externalData) {
      const c = chunkAt.get(e.path);
      expect(c, e.path).toBeDefined();
      expect(new Uint8Array(await e.data.arrayBuffer())).toEqual(fileBytes.subarray(c?.start, c?.end));
    }
    const graphChunks = (paths: string[] | undefined) => (paths ?? []).map((p) => chunkAt.get(p) as ExternalChunk);
    const encoderChunks = graphChunks(m.manifest.encoder.externalData);
    const decoderChunks = graphChunks(m.manifest.decoder.externalData);
    for (const [name, facts] of Object.entries(references.tensors['mae_visualize_vit_tiny.pth'])) {
      const [begin, end] = facts.bytes;
      const chunks = name.startsWith('decoder_') || name === 'mask_token' ? decoderChunks : encoderChunks;
      expect(
        chunks.some((c) => c.start <= begin && end <= c.end),
        `${name} (bytes ${begin}-${end})`,
      ).toBe(true);
    }
  });

  it('a *_full file is norm-pix; Hugging Face files are pixel targets with their own layout', async () => {
    const full = await importWeights(await fixture('mae_pretrain_vit_tiny_full.pth'), 'mae_pretrain_vit_tiny_full.pth', FIXTURE_HEADS);
    expect(full.manifest.normPixLoss).toBe(true);
    expect(full.card.targets).toBe('norm-pix');
    for (const f of ['hf/model.safetensors', 'hf/pytorch_model.bin']) {
      const hf = await importWeights(await fixture(f), f.slice(3), FIXTURE_HEADS);
      expect(hf.card.layout).toBe('huggingface');
      expect(hf.manifest.normPixLoss).toBe(false);
    }
  });

  it('a whole training checkpoint (optimizer, epoch, scaler, argparse args) is read for its model alone', async () => {
    // written like main_pretrain.py's checkpoints: NEWOBJ + BUILD for the Namespace, floats, lists, ints as keys
    const file = 'training_checkpoint_full.pth';
    const table = await readTorchCheckpoint(await fixture(file), file);
    expect(table.topLevelKeys).toEqual(['model', 'optimizer', 'epoch', 'scaler', 'args']);
    const m = await importWeights(await fixture(file), file, { numHeads: 2, decoderNumHeads: 2 });
    expect(m.manifest).toMatchObject({ normPixLoss: true, imgSize: 4, patchSize: 2, encoder: { embedDim: 8, depth: 1 } });
  });

  it('official weights are labelled with their licence', async () => {
    const m = await importWeights(await fixture('mae_visualize_vit_tiny.pth'), 'mae_visualize_vit_tiny.pth', FIXTURE_HEADS);
    expect(m.card.license).toContain('CC BY-NC 4.0');
  });
});

describe('head counts: from the official widths, or 64-d (32-d in decoders) heads, or given', () => {
  // Shapes only: the official ViT-B/16, L/16 and H/14 MAEs (decoder 512-d x 8) and an unofficial width.
  function table(dim: number, depth: number, patch: number, decoderDim = 512, decoderDepth = 8): TensorTable {
    const tensors = new Map<string, TensorEntry>();
    const L = (224 / patch) ** 2;
    const add = (name: string, shape: number[]) =>
      tensors.set(name, { name, dtype: 'float32', shape, byteOffset: 0, byteLength: 4 * shape.reduce((a, b) => a * b, 1) });
    add('patch_embed.proj.weight', [dim, 3, patch, patch]);
    add('patch_embed.proj.bias', [dim]);
    add('cls_token', [1, 1, dim]);
    add('pos_embed', [1, L + 1, dim]);
    const block = (p: string, d: number) => {
      for (const n of ['norm1', 'norm2']) {
        add(`${p}.${n}.weight`, [d]);
        add(`${p}.${n}.bias`, [d]);
      }
      add(`${p}.attn.qkv.weight`, [3 * d, d]);
      add(`${p}.attn.qkv.bias`, [3 * d]);
      add(`${p}.attn.proj.weight`, [d, d]);
      add(`${p}.attn.proj.bias`, [d]);
      add(`${p}.mlp.fc1.weight`, [4 * d, d]);
      add(`${p}.mlp.fc1.bias`, [4 * d]);
      add(`${p}.mlp.fc2.weight`, [d, 4 * d]);
      add(`${p}.mlp.fc2.bias`, [d]);
    };
    for (let i = 0; i < depth; i++) block(`blocks.${i}`, dim);
    add('norm.weight', [dim]);
    add('norm.bias', [dim]);
    add('decoder_embed.weight', [decoderDim, dim]);
    add('decoder_embed.bias', [decoderDim]);
    add('mask_token', [1, 1, decoderDim]);
    add('decoder_pos_embed', [1, L + 1, decoderDim]);
    for (let i = 0; i < decoderDepth; i++) block(`decoder_blocks.${i}`, decoderDim);
    add('decoder_norm.weight', [decoderDim]);
    add('decoder_norm.bias', [decoderDim]);
    add('decoder_pred.weight', [patch * patch * 3, decoderDim]);
    add('decoder_pred.bias', [patch * patch * 3]);
    return { container: 'pytorch-zip', tensors };
  }

  it('ViT-B/16, L/16, H/14: the official configurations (models_mae.py factories)', () => {
    // facebookresearch/mae: base 768-d x 12 x 12 heads, large 1024 x 24 x 16, huge 1280 x 32 x 16 (patch 14); decoder 512 x 8 x 16
    const cases = [
      [768, 12, 16, 12, 112_000_000, 'ViT-B/16'],
      [1024, 24, 16, 16, 330_000_000, 'ViT-L/16'],
      [1280, 32, 14, 16, 657_000_000, 'ViT-H/14'],
    ] as const;
    for (const [dim, depth, patch, heads, approxParams, label] of cases) {
      const w = inferArchitecture(table(dim, depth, patch), 'x.pth');
      expect(architectureLabel(w.architecture)).toBe(label);
      expect(w.architecture).toMatchObject({
        embedDim: dim,
        depth,
        patchSize: patch,
        imgSize: 224,
        numHeads: heads,
        decoderNumHeads: 16,
        decoderDepth: 8,
        mlpRatio: 4,
      });
      expect(w.architecture.headsFrom).toBe('known width');
      // the parameter counts in ../shared/docs/mae-notes.md (112 M, 330 M, 657 M), within 2%
      expect(Math.abs(w.encoderParams + w.decoderParams - approxParams) / approxParams).toBeLessThan(0.02);
    }
  });

  it('an unofficial width gets 64-d heads, a decoder 32-d heads, and given counts win', () => {
    const w = inferArchitecture(table(640, 2, 16, 256 + 64, 1), 'x.pth');
    expect(w.architecture).toMatchObject({ numHeads: 10, decoderNumHeads: 10, headsFrom: 'assumed head width' });
    expect(inferArchitecture(table(640, 2, 16), 'x.pth', { numHeads: 5 }).architecture).toMatchObject({ numHeads: 5, headsFrom: 'given' });
  });
});

describe('bad files: each gets its own message', () => {
  const MINI_HEADS = { numHeads: 2, decoderNumHeads: 2 }; // the tiny shape-error fixtures (weight_fixtures.MINI)
  const cases: [string, RegExp[], ImportOptions?][] = [
    ['malicious.pth', [/refused/, /os\.system/, /Nothing in it was run/]],
    ['eval.pth', [/refused/, /builtins\.eval/]],
    ['set.pth', [/refused/, /pickle instruction EMPTY_SET/]],
    ['truncated.pth', [/truncated/, /Download it again/]],
    ['damaged.pth', [/damaged/, /data\.pkl/]],
    ['not-a-checkpoint.zip', [/zip file, but not a PyTorch checkpoint/, /notes\/readme\.txt/]],
    ['rezipped.pth', [/re-compressed after PyTorch wrote it/, /torch\.save/], MINI_HEADS],
    ['mae_pretrain_vit_tiny.pth', [/has no decoder/, /mae_visualize_vit_base\.pth/, /_full\.pth/]],
    ['truncated.safetensors', [/truncated/]],
    ['lying-overlap.safetensors', [/header that does not match/, /overlap/]],
    [
      'lying-size.safetensors',
      [/header that does not match/, /decoder\.mask_token is F32 \[1, 1, 5\], which is 20 bytes, but its offsets span 16/],
    ],
    ['lying-length.safetensors', [/header that does not match/, /at most 100 MB/]],
    ['missing-tensor.pth', [/shapes this app does not know how to build/, /missing blocks\.0\.mlp\.fc2\.bias/], MINI_HEADS],
    ['odd-grid.pth', [/shapes this app does not know how to build/, /not a square grid/], MINI_HEADS],
  ];
  for (const [file, patterns, options] of cases) {
    it(file, async () => {
      const message = await importError(await fixture(file), file, options);
      for (const p of patterns) expect(message).toMatch(p);
    });
  }

  it('a width no official model has, without head counts, asks for them', async () => {
    const message = await importError(await fixture('unknown-width.pth'), 'unknown-width.pth', {});
    expect(message).toMatch(/8 wide, a width no official MAE uses/);
    expect(message).toMatch(/--num-heads/);
  });

  it('the restricted reader refuses os.system without building anything', async () => {
    const blob = await fixture('malicious.pth');
    const table = readTorchCheckpoint(blob, 'malicious.pth');
    await expect(table).rejects.toThrow(/os\.system/);
    // the bare pickle (bytes as in the fixture): refused at the GLOBAL, before REDUCE could even be reached
    const pickle = new Uint8Array([0x80, 0x02, 0x63, ...new TextEncoder().encode('os\nsystem\n'), 0x2e]);
    expect(() => readStateDictPickle(pickle, 'p')).toThrow(/os\.system/);
  });

  it('torch.Size (allowed as in checkpoints.py) reads as a tuple of ints', () => {
    // PROTO 2, GLOBAL torch.Size, BININT1 2, BININT1 3, TUPLE2, TUPLE1, REDUCE, STOP: pickle.dumps(torch.Size([2, 3]), 2)'s opcodes
    const pickle = new Uint8Array([
      0x80,
      0x02,
      0x63,
      ...new TextEncoder().encode('torch\nSize\n'),
      0x4b,
      2,
      0x4b,
      3,
      0x86,
      0x85,
      0x52,
      0x2e,
    ]);
    expect(readStateDictPickle(pickle, 'p')).toEqual({ items: [2, 3] });
  });

  it('empty files, web pages, Git LFS pointers and other files', async () => {
    expect(await importError(new Blob([]), 'a.pth')).toMatch(/empty/);
    expect(await importError(new Blob(['<!doctype html><html>Not found</html>']), 'a.pth')).toMatch(/web page \(HTML\)/);
    const lfs = 'version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 447719493\n';
    expect(await importError(new Blob([lfs]), 'pytorch_model.bin')).toMatch(/Git LFS pointer/);
    expect(await importError(new Blob([new Uint8Array([0x80, 0x02, 0x8a, 0x0a, 1, 2, 3])]), 'old.pth')).toMatch(
      /old \(before 1\.6\) file format/,
    );
    expect(await importError(new Blob(['GIF89a....']), 'cat.gif')).toMatch(/not a weights file/);
  });
});
