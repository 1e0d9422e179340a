// The hub's answers as the download reads them, against hand-written examples of the hub's formats.
import { describe, expect, it } from 'vitest';
import { parseContentRange } from '../../src/features/models/hub/download.ts';
import { fileInfoFromTree, HUB_MODELS, resolveUrl, treeUrl } from '../../src/features/models/hub/hub-catalog.ts';

describe('hub catalog', () => {
  it('the three official repositories, their files and the hub URL layout', () => {
    expect(HUB_MODELS.map((m) => `${m.repo}/${m.file}`)).toEqual([
      'facebook/vit-mae-base/model.safetensors',
      'facebook/vit-mae-large/pytorch_model.bin',
      'facebook/vit-mae-huge/pytorch_model.bin',
    ]);
    expect(resolveUrl(HUB_MODELS[0], 'https://huggingface.co')).toBe(
      'https://huggingface.co/facebook/vit-mae-base/resolve/main/model.safetensors',
    );
    expect(treeUrl(HUB_MODELS[1], 'https://huggingface.co')).toBe('https://huggingface.co/api/models/facebook/vit-mae-large/tree/main');
    expect(HUB_MODELS.filter((m) => m.needsWebGpu).map((m) => m.id)).toEqual(['vit-mae-huge']);
  });

  it('reads size and SHA-256 from a tree listing (an LFS entry), and refuses what is not there', () => {
    const sha = 'ab'.repeat(32);
    const tree = [
      { type: 'file', oid: 'c'.repeat(40), size: 700, path: 'config.json' },
      {
        type: 'file',
        oid: 'd'.repeat(40),
        size: 447_696_888,
        path: 'model.safetensors',
        lfs: { oid: sha, size: 447_696_888, pointerSize: 135 },
      },
    ];
    expect(fileInfoFromTree(tree, 'model.safetensors')).toEqual({ size: 447_696_888, sha256: sha });
    expect(fileInfoFromTree(tree, 'config.json')).toEqual({ size: 700, sha256: null });
    expect(() => fileInfoFromTree(tree, 'pytorch_model.bin')).toThrow(/no pytorch_model\.bin/);
    expect(() => fileInfoFromTree({ error: 'x' }, 'model.safetensors')).toThrow(/not a list/);
  });

  it('Content-Range: where a partial answer starts and the whole size', () => {
    expect(parseContentRange('bytes 200000-784247/784248')).toEqual({ start: 200000, total: 784248 });
    expect(parseContentRange('bytes 0-9/*')).toEqual({ start: 0, total: null });
    expect(parseContentRange(null)).toBeNull();
    expect(parseContentRange('items 0-9/10')).toBeNull();
  });
});
