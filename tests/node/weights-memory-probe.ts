// Run by weights-memory.test.ts in a fresh Node process (not a test file itself):
//   write <file> <dim> <depth> <decoderDim> <decoderDepth>: a float32 MAE of that size (official names, safetensors)
//   load <file>: imports it as the page does (default graphs), creates both onnxruntime-web WASM
//   sessions from a file-backed Blob (as the page's File), and prints {params, rss} as JSON.
import { openAsBlob, writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { importedModelFiles, importWeights } from '../../src/features/models/weights/index.ts';

function writeModel(file: string, dim: number, depth: number, decoderDim: number, decoderDepth: number): void {
  const patch = 16;
  const L = (224 / patch) ** 2;
  const shapes: [string, number[]][] = [];
  const add = (name: string, shape: number[]) => shapes.push([name, shape]);
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
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, shape] of shapes) {
    const bytes = 4 * shape.reduce((a, b) => a * b, 1);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  // The values do not matter for memory (every byte is copied, none is shared): one small constant.
  const data = new Float32Array(offset / 4).fill(0.01);
  writeFileSync(file, Buffer.concat([length, json, Buffer.from(data.buffer)]));
}

async function loadModel(file: string): Promise<void> {
  ort.env.wasm.numThreads = 1;
  const imported = await importWeights(await openAsBlob(file), 'model.safetensors');
  const files = importedModelFiles(imported);
  const m = imported.manifest;
  const create = (part: 'encoder' | 'decoder') =>
    ort.InferenceSession.create(files.get(m[part].file) as Uint8Array, {
      executionProviders: ['wasm'],
      externalData: (m[part].externalData ?? []).map((path) => ({ path, data: files.get(path) as Blob })),
    });
  const sessions = [await create('encoder'), await create('decoder')];
  console.log(JSON.stringify({ params: imported.card.encoderParams + imported.card.decoderParams, rss: process.memoryUsage().rss }));
  await Promise.all(sessions.map((s) => s.release()));
}

const [mode, file, ...sizes] = process.argv.slice(2);
if (mode === 'write') {
  const [dim, depth, decoderDim, decoderDepth] = sizes.map(Number);
  writeModel(file, dim, depth, decoderDim, decoderDepth);
} else {
  await loadModel(file);
}
