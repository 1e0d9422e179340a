// `npm run cli -- --weights FILE ...`: the CLI as a real process on weight files, against PyTorch's
// masked-patch MSE for the same photo and mask (python/mae_fixtures/weight_fixtures.py: the PNG
// photo decodes identically on both sides and the resize is Pillow-exact, so the numbers agree to
// float rounding), and bad files end with their message and exit code 1.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricsFile } from '../../src/cli/cli-main.ts';
import { ROOT } from '../unit/support.ts';
import { WEIGHTS, references } from '../unit/weights-support.ts';

const run = promisify(execFile);

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ['--import', './src/cli/register-ts.mjs', 'src/cli/mae-cli.ts', '--threads', '1', ...args], {
      cwd: ROOT,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: x.code ?? -1, stdout: x.stdout ?? '', stderr: x.stderr ?? '' };
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mae-cli-weights-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('mae-cli --weights', () => {
  const ref = references.cli;
  for (const file of ['mae_visualize_vit_tiny.pth', 'hf/model.safetensors']) {
    it(`${file}: the panels and PyTorch's masked MSE (relative 1e-4)`, async () => {
      const out = join(dir, file.replace(/\W/g, '_'));
      const r = await cli([
        '--weights',
        `${WEIGHTS}${file}`,
        '--num-heads',
        '3',
        '--decoder-num-heads',
        '2',
        '--ratio',
        String(ref.maskRatio),
        '--seed',
        String(ref.seed),
        '--out',
        out,
        ref.image,
      ]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8')) as MetricsFile;
      expect(metrics.model).toContain(file.split('/').pop());
      expect(metrics.normPixLoss).toBe(false);
      const got = metrics.images[0].maskedMse as number;
      expect(Math.abs(got - ref.maskedMse) / ref.maskedMse).toBeLessThan(1e-4);
      expect((await readdir(out)).filter((f) => f.endsWith('.png'))).toHaveLength(4);
    });
  }

  it('a malicious checkpoint is refused with its message and exit code 1, nothing written', async () => {
    const out = join(dir, 'malicious');
    const r = await cli(['--weights', `${WEIGHTS}malicious.pth`, '--out', out, ref.image]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/malicious\.pth was refused: .*os\.system.*Nothing in it was run/);
    await expect(readdir(out)).rejects.toThrow();
  });

  it('an encoder-only checkpoint says which file to use instead', async () => {
    const r = await cli(['--weights', `${WEIGHTS}mae_pretrain_vit_tiny.pth`, '--out', join(dir, 'enc'), ref.image]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/has no decoder.*mae_visualize_vit_large\.pth/);
  });

  it('a width no official MAE has needs --num-heads; a missing file is named', async () => {
    const unknown = await cli(['--weights', `${WEIGHTS}unknown-width.pth`, '--out', join(dir, 'u'), ref.image]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/--num-heads/);
    const missing = await cli(['--weights', join(dir, 'nope.pth'), '--out', join(dir, 'n'), ref.image]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot load weights from .*nope\.pth: cannot open/);
    const usage = await cli(['--num-heads', '3', ref.image]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/go with --weights/);
  });
});
