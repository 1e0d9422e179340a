// The WebGPU precision choice for imported weights (src/features/models/weights/fp16-choice.ts):
// fp16 where the adapter has shader-f16, fp32 where not, exact when the person chose it, and the
// fp16 graphs' manifest (fp16-import.ts) pointing at the float16 buffers.
import { describe, expect, it } from 'vitest';
import {
  chooseGpuPrecision,
  fp16FailedChoice,
  hasShaderF16,
  SHADER_F16,
  webGpuFailedChoice,
} from '../../src/features/models/weights/fp16-choice.ts';
import { fp16Import, fp16Manifest } from '../../src/features/models/weights/fp16-import.ts';
import { readMaeWeights } from '../../src/features/models/weights/import-weights.ts';
import { importWeights } from '../../src/features/models/weights/index.ts';
import { FIXTURE_HEADS, fixture } from '../unit/weights-support.ts';
import type { ModelManifest } from '../../src/mae/index.ts';

describe('hasShaderF16', () => {
  it("reads the adapter's feature set (a GPUSupportedFeatures is a set-like of names)", () => {
    expect(SHADER_F16).toBe('shader-f16'); // the WebGPU spec's name
    expect(hasShaderF16({ features: new Set(['shader-f16', 'timestamp-query']) })).toBe(true);
    expect(hasShaderF16({ features: new Set(['timestamp-query']) })).toBe(false);
    // SwiftShader's adapter as headless Chromium reports it (e2e/webgpu-fp16.spec.ts asks the real one)
    expect(hasShaderF16({ features: new Set(['depth-clip-control', 'float32-filterable', 'indirect-first-instance']) })).toBe(false);
  });

  it('no adapter, no feature set, or a feature set that throws: false (fp32 runs everywhere)', () => {
    expect(hasShaderF16(null)).toBe(false);
    expect(hasShaderF16(undefined)).toBe(false);
    expect(hasShaderF16({})).toBe(false);
    const throwing = {
      features: {
        has(): boolean {
          throw new Error('lost');
        },
      },
    };
    expect(hasShaderF16(throwing)).toBe(false);
  });
});

describe('chooseGpuPrecision', () => {
  it('shader-f16: fp16, and the reason names the adapter and the feature', () => {
    for (const asked of ['auto', 'int8', 'fp16']) {
      const c = chooseGpuPrecision(asked, true, 'nvidia / ada');
      expect(c.precision).toBe('fp16');
      expect(c.reason).toContain('nvidia / ada');
      expect(c.reason).toContain('has shader-f16');
    }
  });

  it('no shader-f16 (SwiftShader): fp32, and the reason says the adapter lacks the feature', () => {
    const c = chooseGpuPrecision('auto', false, 'google / swiftshader (software)');
    expect(c.precision).toBe('fp32');
    expect(c.reason).toBe(
      'exact (fp32) on WebGPU: this adapter (google / swiftshader (software)) has no shader-f16, so fp16 cannot run on it',
    );
  });

  it('exact chosen on the model card: fp32 even with shader-f16', () => {
    expect(chooseGpuPrecision('fp32', true, 'x')).toEqual({ precision: 'fp32', reason: 'exact (fp32) on WebGPU, as chosen' });
  });

  it('WebGPU failed altogether: exact fp32 on WASM, and the card says so', () => {
    expect(webGpuFailedChoice()).toEqual({ precision: 'fp32', reason: 'exact (fp32) on WASM: WebGPU failed (the runtime says why)' });
  });

  it('an fp16 session that failed: fp32 with the failure in the reason', () => {
    expect(fp16FailedChoice('no kernel for Erf(float16)')).toEqual({
      precision: 'fp32',
      reason: 'exact (fp32) on WebGPU: the fp16 session failed (no kernel for Erf(float16))',
    });
  });
});

describe('fp16Manifest', () => {
  it('points each graph at its float16 buffer, lists their sizes, and says fp16 in the source', () => {
    const fp32 = {
      name: 'x',
      imgSize: 224,
      patchSize: 16,
      encoder: { file: 'encoder.onnx', externalData: ['encoder.weights.0.bin'] },
      decoder: { file: 'decoder.onnx', externalData: ['decoder.weights.0.bin'] },
      files: { 'encoder.onnx': { bytes: 1 }, 'encoder.weights.0.bin': { bytes: 9 }, 'pos-embed.bin': { bytes: 5 } },
      source: { kind: 'imported-weights', file: 'mae.pth' },
    } as unknown as ModelManifest;
    const graph = (path: string, n: number) => ({
      onnx: new Uint8Array(n),
      dataPath: path,
      data: new Uint8Array(n * 10),
      fp16Weights: n * 5,
    });
    const m = fp16Manifest(fp32, {
      encoder: graph('encoder.fp16.bin', 7),
      decoder: graph('decoder.fp16.bin', 3),
      fp32Ops: ['LayerNormalization'],
    });
    expect(m.encoder.externalData).toEqual(['encoder.fp16.bin']);
    expect(m.decoder.externalData).toEqual(['decoder.fp16.bin']);
    expect(m.files).toEqual({
      'pos-embed.bin': { bytes: 5 }, // a v2 'table' model's position tables stay; the fp32 weights go
      'encoder.onnx': { bytes: 7 },
      'decoder.onnx': { bytes: 3 },
      'encoder.fp16.bin': { bytes: 70 },
      'decoder.fp16.bin': { bytes: 30 },
    });
    expect(m.source).toEqual({ kind: 'imported-weights', file: 'mae.pth', precision: 'fp16', fp16Fp32Ops: ['LayerNormalization'] });
    expect(fp32.encoder.externalData).toEqual(['encoder.weights.0.bin']); // the fp32 manifest is not changed
  });
});

describe('fp16Import', () => {
  it("gives createSessions the fp16 graphs, their float16 buffers and the model's other files, and none of the fp32 weights", async () => {
    const file = 'mae_visualize_vit_tiny.pth';
    const blob = await fixture(file);
    const imported = await importWeights(blob, file, FIXTURE_HEADS);
    const fp32Files = new Map<string, Uint8Array<ArrayBuffer> | Blob>([
      [imported.manifest.encoder.file, imported.encoder as Uint8Array<ArrayBuffer>],
      [imported.manifest.decoder.file, imported.decoder as Uint8Array<ArrayBuffer>],
    ]);
    for (const e of imported.externalData) fp32Files.set(e.path, e.data);
    const positions = new Uint8Array([1, 2, 3, 4]);
    fp32Files.set('pos-embed.bin', positions);
    const fp32 = { ...imported.manifest, files: { ...imported.manifest.files, 'pos-embed.bin': { bytes: 4 } } };
    const r = await fp16Import(fp32, fp32Files, await readMaeWeights(blob, file, FIXTURE_HEADS), blob, file);
    expect([...r.files.keys()].sort()).toEqual(['decoder.fp16.bin', 'decoder.onnx', 'encoder.fp16.bin', 'encoder.onnx', 'pos-embed.bin']);
    expect(r.files.get('pos-embed.bin')).toBe(positions);
    expect(Object.keys(r.manifest.files ?? {}).sort()).toEqual([...r.files.keys()].sort());
    for (const [name, f] of r.files) expect((r.manifest.files ?? {})[name]?.bytes, name).toBe(f instanceof Blob ? f.size : f.length);
    // about half the float32 weights: float16 everywhere but the LayerNorms (float32), 64-byte alignment per tensor
    const params = imported.card.encoderParams + imported.card.decoderParams;
    expect(r.dataBytes / (4 * params)).toBeGreaterThan(0.45);
    expect(r.dataBytes / (4 * params)).toBeLessThan(0.6);
  });
});
