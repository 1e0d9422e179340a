// Runs the CLI as a real process (Node 20: TypeScript through src/cli/register-ts.mjs), the way
// a person would, and checks what it writes.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type MetricsFile } from '../../src/cli/cli-main.ts';
import { decodeImage } from '../../src/cli/image-io.ts';
import { ROOT } from '../unit/support.ts';

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

/** distinct RGB values and whether anything is not fully opaque */
function stats(data: ArrayLike<number>): { colours: number; opaque: boolean } {
  const set = new Set<number>();
  let opaque = true;
  for (let i = 0; i < data.length; i += 4) {
    set.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    if (data[i + 3] !== 255) opaque = false;
  }
  return { colours: set.size, opaque };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mae-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('mae-cli', () => {
  it('writes four 224x224 panels per image and metrics.json; a broken file fails alone', async () => {
    const out = join(dir, 'panels');
    const broken = join(dir, 'broken.jpg');
    await writeFile(broken, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])); // JPEG magic, then garbage
    const r = await cli([
      '--out',
      out,
      '--ratio',
      '0.75',
      '--seed',
      '3',
      'public/samples/goldfinch.jpg',
      broken,
      'public/samples/school_bus.jpg',
    ]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('broken.jpg');
    expect(r.stderr).toMatch(/broken or unsupported JPEG/);

    const files = (await readdir(out)).sort();
    const panels = ['masked', 'reconstruction', 'reconstruction-visible', 'original'];
    for (const name of ['goldfinch', 'school_bus']) {
      for (const p of panels) {
        const f = `${name}.${p}.png`;
        expect(files).toContain(f);
        const img = decodeImage(await readFile(join(out, f)));
        expect([img.width, img.height]).toEqual([224, 224]);
        const s = stats(img.data);
        expect(s.opaque).toBe(true);
        expect(s.colours, `${f} looks blank`).toBeGreaterThan(50);
      }
    }

    const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8')) as MetricsFile;
    const manifest = JSON.parse(await readFile(join(ROOT, 'models/default/manifest.json'), 'utf8')) as { name: string };
    expect(metrics.model).toBe(manifest.name);
    expect(metrics.images.map((i) => i.file)).toEqual(['public/samples/goldfinch.jpg', 'public/samples/school_bus.jpg']);
    expect(metrics.failed).toHaveLength(1);
    expect(metrics.failed[0].file).toBe(broken);
    for (const [i, m] of metrics.images.entries()) {
      expect(m.maskRatio).toBe(0.75);
      expect(m.seed).toBe(3);
      expect(m.visiblePatches).toBe(49);
      expect(m.hiddenPatches).toBe(147);
      expect(m.maskedMse).toBeGreaterThan(0);
      expect(m.maskedMse).toBeLessThan(1.5);
      expect(m.psnr).toBeGreaterThan(5);
      // the model must beat filling the holes with the mean of what it saw
      expect(m.visibleMeanMse).toBeGreaterThan(m.maskedMse as number);
      expect(m.encoderMs).toBeGreaterThan(0);
      expect(m.decoderMs).toBeGreaterThan(0);
      expect(m.outputs).toHaveLength(4);
      // different seed per image unless --same-mask (index 1 in argv was the broken file, 2 = school_bus)
      expect(m.imageSeed).toBe(i === 0 ? 3 : (3 + 2 * 0x9e3779b9) % 2 ** 32);
    }
  });

  it('--sheet writes one side-by-side PNG; --ratio 0 gives maskedMse null', async () => {
    const out = join(dir, 'sheet');
    const r = await cli(['--out', out, '--sheet', '--ratio', '0', '--same-mask', 'public/samples/tabby.jpg']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/masked MSE n\/a/);
    expect((await readdir(out)).sort()).toEqual(['metrics.json', 'tabby.sheet.png']);
    const sheet = decodeImage(await readFile(join(out, 'tabby.sheet.png')));
    expect(sheet.height).toBe(224);
    expect(sheet.width).toBeGreaterThanOrEqual(4 * 224);
    const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8')) as MetricsFile;
    expect(metrics.images[0].maskedMse).toBeNull();
    expect(metrics.images[0].psnr).toBeNull();
    expect(metrics.images[0].visibleMeanMse).toBeNull();
    expect(metrics.images[0].visiblePatches).toBe(196);
  });

  it('--help and bad usage (in-process)', async () => {
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
    expect(await runCli(['--help'], io)).toBe(0);
    expect(lines.join('\n')).toMatch(/Usage: npm run cli/);
    expect(await runCli(['--ratio', '1.5', 'x.jpg'], io)).toBe(2);
    expect(lines.join('\n')).toMatch(/--ratio must be a number from 0 to 1/);
    expect(await runCli(['--seed', '-1', 'x.jpg'], io)).toBe(2);
    expect(await runCli([], io)).toBe(2);
    expect(lines.join('\n')).toMatch(/no input images/);
    expect(await runCli(['--bogus', 'x.jpg'], io)).toBe(2);
    expect(await runCli(['--model', join(dir, 'nope'), 'x.jpg'], io)).toBe(1);
    expect(lines.join('\n')).toMatch(/cannot load model/);
  });
});
