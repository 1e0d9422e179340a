// planChunks: how a graph's tensors become external-data chunks (contiguous spans of the file; more than
// 1 MiB of bytes the graph does not use, or a span over 1 GiB, starts a new chunk). Every expected plan
// below is worked out by hand from the byte ranges.
import { describe, expect, it } from 'vitest';
import { planChunks } from '../../src/features/models/weights/mae-graph.ts';
import type { TensorEntry } from '../../src/features/models/weights/tensors.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** A float32 tensor occupying bytes [start, end) of the file. */
function at(name: string, start: number, end: number): TensorEntry {
  return { name, dtype: 'float32', shape: [(end - start) / 4], byteOffset: start, byteLength: end - start };
}

/** The plan as [path, start, end] rows, and each tensor's chunk path. */
function plan(entries: TensorEntry[], prefix = 'encoder') {
  const { chunks, chunkOf } = planChunks(entries, prefix);
  return {
    chunks: chunks.map((c) => [c.path, c.start, c.end]),
    of: Object.fromEntries(entries.map((t) => [t.name, chunkOf.get(t)?.path])),
  };
}

describe('planChunks', () => {
  it('adjacent tensors, and tensors given out of order, make one chunk from the first byte to the last', () => {
    const p = plan([at('b', 1000, 1400), at('a', 200, 1000), at('c', 1400, 1404)]);
    expect(p.chunks).toEqual([['encoder.weights.0.bin', 200, 1404]]);
    expect(p.of).toEqual({ a: 'encoder.weights.0.bin', b: 'encoder.weights.0.bin', c: 'encoder.weights.0.bin' });
  });

  it('a gap of exactly 1 MiB stays inside the chunk; 1 MiB + 4 bytes starts a new one', () => {
    // a: [0, 400); b starts 1 MiB after a's end; c starts 1 MiB + 4 after b's end
    const b0 = 400 + MiB;
    const c0 = b0 + 400 + MiB + 4;
    const p = plan([at('a', 0, 400), at('b', b0, b0 + 400), at('c', c0, c0 + 400)], 'decoder');
    expect(p.chunks).toEqual([
      ['decoder.weights.0.bin', 0, b0 + 400],
      ['decoder.weights.1.bin', c0, c0 + 400],
    ]);
    expect(p.of).toEqual({ a: 'decoder.weights.0.bin', b: 'decoder.weights.0.bin', c: 'decoder.weights.1.bin' });
  });

  it('a span of exactly 1 GiB is one chunk; a tensor that would take it past 1 GiB starts the next', () => {
    // a: [64, 64 + 600 MiB), b: up to 64 + 1 GiB (span exactly 1 GiB), c: the next 4 bytes (span 1 GiB + 4)
    const a = at('a', 64, 64 + 600 * MiB);
    const b = at('b', 64 + 600 * MiB, 64 + GiB);
    const c = at('c', 64 + GiB, 64 + GiB + 4);
    expect(plan([a, b, c]).chunks).toEqual([
      ['encoder.weights.0.bin', 64, 64 + GiB],
      ['encoder.weights.1.bin', 64 + GiB, 64 + GiB + 4],
    ]);
  });

  it('a single tensor larger than 1 GiB is one chunk of its own (a tensor is never split)', () => {
    const big = at('big', 100, 100 + GiB + 8);
    const next = at('next', 100 + GiB + 8, 100 + GiB + 16);
    expect(plan([big, next]).chunks).toEqual([
      ['encoder.weights.0.bin', 100, 100 + GiB + 8],
      ['encoder.weights.1.bin', 100 + GiB + 8, 100 + GiB + 16],
    ]);
  });

  it('row blocks of one fused tensor (q, k, v of attn.qkv) and a tensor listed twice share the chunk', () => {
    // qkv: 3 row blocks of 48 × 48 float32 (9216 bytes each) from byte 5000; proj right after
    const q = at('q', 5000, 5000 + 9216);
    const k = at('k', 5000 + 9216, 5000 + 2 * 9216);
    const v = at('v', 5000 + 2 * 9216, 5000 + 3 * 9216);
    const proj = at('proj', 5000 + 3 * 9216, 5000 + 3 * 9216 + 9216);
    const { chunks, chunkOf } = planChunks([v, q, proj, k, q], 'encoder');
    expect(chunks).toEqual([{ path: 'encoder.weights.0.bin', start: 5000, end: 5000 + 4 * 9216 }]);
    expect(chunkOf.size).toBe(4);
  });

  it('encoder and decoder tensors interleaved as torch.save orders storages (keys as strings): one graph skips the other', () => {
    // Storages "0", "1", "10", "100", "101", ... : the encoder's tensors (E) sit between 2 MiB decoder
    // tensors (D) the encoder graph does not use; 100-byte zip headers between all entries.
    // E0 [0, 3 MiB) | D [3 MiB + 100, 5 MiB + 100) | E1 [5 MiB + 200, 7 MiB + 200) | E2 [7 MiB + 300, 8 MiB + 300)
    const E0 = at('E0', 0, 3 * MiB);
    const E1 = at('E1', 5 * MiB + 200, 7 * MiB + 200);
    const E2 = at('E2', 7 * MiB + 300, 8 * MiB + 300);
    const p = plan([E0, E1, E2]);
    // E0 → E1: gap 2 MiB + 200 > 1 MiB (new chunk); E1 → E2: gap 100 bytes (same chunk)
    expect(p.chunks).toEqual([
      ['encoder.weights.0.bin', 0, 3 * MiB],
      ['encoder.weights.1.bin', 5 * MiB + 200, 8 * MiB + 300],
    ]);
    expect(p.of).toEqual({ E0: 'encoder.weights.0.bin', E1: 'encoder.weights.1.bin', E2: 'encoder.weights.1.bin' });
  });

  it('a ViT-L/16 encoder in float32 (24 blocks of 50.4 MB, 1.21 GB in all) becomes two chunks', () => {
    // One block of ViT-L (1024-d, mlp 4096): 4 × (1024 × 1024 + 1024) + 2 × (4096 × 1024) + 4096 + 1024
    // + 4 × 1024 (two LayerNorms) = 12,596,224 parameters = 50,384,896 bytes. Blocks laid end to end
    // from byte 0: 21 blocks are 1,058,082,816 bytes ≤ 1 GiB (1,073,741,824), 22 would be 1,108,467,712.
    const blockBytes = 4 * (4 * (1024 * 1024 + 1024) + 2 * (4096 * 1024) + 4096 + 1024 + 4 * 1024);
    expect(blockBytes).toBe(50_384_896);
    const blocks = Array.from({ length: 24 }, (_, i) => at(`blocks.${i}`, i * blockBytes, (i + 1) * blockBytes));
    const p = plan(blocks);
    expect(p.chunks).toEqual([
      ['encoder.weights.0.bin', 0, 1_058_082_816],
      ['encoder.weights.1.bin', 1_058_082_816, 1_209_237_504],
    ]);
    expect(p.of['blocks.20']).toBe('encoder.weights.0.bin');
    expect(p.of['blocks.21']).toBe('encoder.weights.1.bin');
  });

  it('no tensors, no chunks', () => {
    expect(planChunks([], 'encoder').chunks).toEqual([]);
  });
});
