// The memory estimate that decides whether an imported model may load (src/features/models/weights/memory.ts)
// against a measurement: a float32 MAE the size of ViT-S/16 (25 M parameters, 101 MB; neither
// of the sizes the estimate was fitted on) imported and loaded as the page does, in a fresh Node
// process with onnxruntime-web's WASM backend; its resident memory once both sessions exist.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { estimatedRuntimeBytes } from '../../src/features/models/weights/index.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'mae-memory-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function probe(...args: string[]): Promise<string> {
  const r = await run(process.execPath, ['--import', './src/cli/register-ts.mjs', 'tests/node/weights-memory-probe.ts', ...args], {
    maxBuffer: 1 << 20,
  });
  return r.stdout;
}

describe('estimatedRuntimeBytes against the resident memory of a real load', () => {
  it('a ViT-S/16-sized model (384-d × 12, decoder 256-d × 4): the estimate is within 15% of what the process holds', async () => {
    const file = join(dir, 'model.safetensors');
    await probe('write', file, '384', '12', '256', '4');
    const { params, rss } = JSON.parse((await probe('load', file)).trim().split('\n').pop() as string) as { params: number; rss: number };
    // counted by hand: 12 blocks × 1,774,464 + patch embedding 295,296 + positions 75,648 + cls 384 + norm 768,
    // and 4 decoder blocks × 789,760 + decoder_embed 98,560 + positions 50,432 + norm 512 + pred 197,376 + mask 256
    expect(params).toBe(25_171_840);
    const estimate = estimatedRuntimeBytes(params);
    console.log(
      `[weights-memory] ${params} parameters: resident ${(rss / 1e6).toFixed(0)} MB, estimated ${(estimate / 1e6).toFixed(0)} MB`,
    );
    expect(Math.abs(estimate - rss) / rss).toBeLessThan(0.15);
  }, 300_000); // about 20 s on a quiet 2-core machine, several times that beside other work
});
