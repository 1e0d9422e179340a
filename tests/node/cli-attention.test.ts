// `npm run cli -- --attention` (src/cli/cli-attention.ts), run as a real process the way a person
// would: the maps it writes (JSON numbers per patch, PNGs) against PyTorch's attention
// (python/mae_playground/attention_reference.py, tests/fixtures/attention/*.json):
// - imported weights (the e2e fixture, two heads per side) on the fixture photo (PNG: decoded alike
//   everywhere): the decoder row of a hidden patch, the encoder's cls and its rollout, within 1e-4;
// - a contract v2 folder (models/default): its own encoder-attention.onnx / decoder-attention.onnx on
//   the goldfinch sample (JPEG: Node's decoder is not Pillow's, hence the looser 1e-2);
// - a v1 folder: exit code 1 and the reason.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

interface GraphRecord {
  depth: number;
  heads: number;
  tokens: number;
  rows: number[];
  headBlocks: number[];
  perHead: string;
  mean: string;
  rollout?: string;
}
interface Reference {
  cases: { seed: number; maskRatio: number; idsKeep: number[]; hidden: number[]; encoder: GraphRecord; decoder: GraphRecord }[];
}
interface CliMap {
  graph: string;
  block: number;
  patches: (number | null)[];
  cls: number;
  shares: { visible: number; masked: number; cls: number } | null;
}
interface CliJson {
  idsKeep: number[];
  decoderQuery: { patch: number; hidden: boolean };
  maps: Record<string, CliMap>;
}

const f32 = (b64: string) => {
  const b = Buffer.from(b64, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const reference = async (name: string) => JSON.parse(await readFile(join(ROOT, 'tests/fixtures/attention', name), 'utf8')) as Reference;

/** PyTorch's head-mean row of `token` at `block` (rows the reference stores). */
function meanRow(rec: GraphRecord, block: number, token: number): Float32Array {
  const ri = rec.rows.indexOf(token);
  expect(ri, `token ${token} is stored`).toBeGreaterThanOrEqual(0);
  const n = rec.tokens;
  return f32(rec.mean).subarray((block * rec.rows.length + ri) * n, (block * rec.rows.length + ri + 1) * n);
}

/** max |CLI - PyTorch| over a map (encoder: token i+1 is patch idsKeep[i]; decoder: token p+1 is patch p). */
function worst(map: CliMap, row: Float32Array, idsKeep: number[]): number {
  let d = Math.abs(map.cls - row[0]);
  map.patches.forEach((v, p) => {
    const token = map.graph === 'decoder' ? p + 1 : idsKeep.indexOf(p) + 1;
    if (token === 0) expect(v).toBeNull();
    else d = Math.max(d, Math.abs((v ?? Number.NaN) - row[token]));
  });
  return d;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mae-cli-attention-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('npm run cli -- --attention', () => {
  it('imported weights: the decoder row of a hidden patch, the encoder cls and its rollout are PyTorch’s (1e-4)', async () => {
    const ref = (await reference('e2e.json')).cases[0];
    const patch = ref.hidden[3];
    const out = join(dir, 'weights');
    const r = await cli([
      '--weights',
      'e2e/fixtures/weights/mae_visualize_vit_e2e.pth',
      '--attention',
      '--attention-patch',
      String(patch),
      '--same-mask',
      '--seed',
      String(ref.seed),
      '--ratio',
      String(ref.maskRatio),
      '--out',
      out,
      'tests/fixtures/weights/photo.png',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(await readFile(join(out, 'photo.attention.json'), 'utf8')) as CliJson;
    expect(json.idsKeep).toEqual(ref.idsKeep);
    expect(json.decoderQuery).toMatchObject({ patch, hidden: true });
    const dec = json.maps[`decoder-p${patch}`];
    expect(worst(dec, meanRow(ref.decoder, ref.decoder.depth - 1, patch + 1), ref.idsKeep)).toBeLessThanOrEqual(1e-4);
    expect((dec.shares?.visible ?? 0) + (dec.shares?.masked ?? 0) + (dec.shares?.cls ?? 0)).toBeCloseTo(1, 5);
    expect(worst(json.maps['encoder-cls'], meanRow(ref.encoder, ref.encoder.depth - 1, 0), ref.idsKeep)).toBeLessThanOrEqual(1e-4);
    expect(worst(json.maps.rollout, f32(ref.encoder.rollout!), ref.idsKeep)).toBeLessThanOrEqual(1e-4);
    for (const what of ['encoder-cls', 'rollout', `decoder-p${patch}`]) {
      const png = decodeImage(await readFile(join(out, `photo.attention-${what}.png`)));
      expect([png.width, png.height]).toEqual([112, 112]);
    }
  }, 120_000);

  it("a contract v2 folder (models/default): its attention graphs reproduce PyTorch's on the goldfinch sample (1e-2: Node's JPEG decoder is not Pillow's; the graphs themselves are held to 1e-5 in attention-graph.test.ts)", async () => {
    const ref = (await reference('default.json')).cases[0];
    const patch = ref.decoder.rows[1] - 1; // a hidden patch the reference stores
    const out = join(dir, 'default');
    const r = await cli([
      '--attention',
      '--attention-patch',
      String(patch),
      '--same-mask',
      '--seed',
      String(ref.seed),
      '--ratio',
      String(ref.maskRatio),
      '--out',
      out,
      'public/samples/goldfinch.jpg',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(await readFile(join(out, 'goldfinch.attention.json'), 'utf8')) as CliJson;
    expect(json.idsKeep).toEqual(ref.idsKeep);
    const d = worst(json.maps[`decoder-p${patch}`], meanRow(ref.decoder, ref.decoder.depth - 1, patch + 1), ref.idsKeep);
    const e = worst(json.maps['encoder-cls'], meanRow(ref.encoder, ref.encoder.depth - 1, 0), ref.idsKeep);
    console.log(`models/default via the CLI vs PyTorch: decoder max|d| ${d.toExponential(2)}, encoder cls ${e.toExponential(2)}`);
    expect(Math.max(d, e)).toBeLessThanOrEqual(1e-2);
  }, 120_000);

  it('a v1 folder: exit code 1 and why', async () => {
    const r = await cli([
      '--attention',
      '--model',
      'e2e/fixtures/models/tiny-112',
      '--out',
      join(dir, 'v1'),
      'tests/fixtures/weights/photo.png',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('attention is unavailable: this folder has no attention graphs (exported before contract v2)');
  }, 60_000);

  it('options that need --attention say so', async () => {
    const r = await cli(['--attention-layer', '2', 'tests/fixtures/weights/photo.png']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('go with --attention');
  });
});
