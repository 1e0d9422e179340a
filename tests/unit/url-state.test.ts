/** What the page's address asks for at start (optionsFromUrl), against hand-written expectations. */
import { describe, expect, it } from 'vitest';
import { optionsFromUrl } from '../../src/app/url-state.ts';

describe('optionsFromUrl', () => {
  it('an empty address: the default model, auto provider, every sample, nothing else set', () => {
    expect(optionsFromUrl('')).toEqual({
      modelUrl: '/models/default/',
      provider: 'auto',
      samples: null,
      sampleLimit: null,
      ratio: null,
      seed: null,
      same: null,
      wasmThreads: null,
      maxBatch: null,
      leadAlone: null,
      lazyRows: 'auto',
    });
  });

  it('reads every option it knows', () => {
    const o = optionsFromUrl(
      '?model=zoo-p8-r75&ep=wasm&samples=goldfinch,school_bus&ratio=0.6&seed=5&same=1&threads=2&batch=4&lead=0&lazy=on',
    );
    expect(o).toEqual({
      modelUrl: '/models/zoo-p8-r75/',
      provider: 'wasm',
      samples: ['goldfinch', 'school_bus'],
      sampleLimit: null,
      ratio: 0.6,
      seed: 5,
      same: true,
      wasmThreads: 2,
      maxBatch: 4,
      leadAlone: false,
      lazyRows: 'on',
    });
  });

  it('?model= is a folder name or nothing: paths, URLs and odd characters fall back to the default model', () => {
    for (const model of ['../secrets', 'a/b', 'https://evil.example/m', '%2e%2e', 'zoo p8', 'x?y', '']) {
      expect(optionsFromUrl(`?model=${encodeURIComponent(model)}`).modelUrl, model).toBe('/models/default/');
    }
    expect(optionsFromUrl('?model=default-int8').modelUrl).toBe('/models/default-int8/');
    expect(optionsFromUrl('?model=My_Model-2').modelUrl).toBe('/models/My_Model-2/');
  });

  it('?samples=N is a count; a list keeps only plain names', () => {
    expect(optionsFromUrl('?samples=3')).toMatchObject({ samples: null, sampleLimit: 3 });
    expect(optionsFromUrl('?samples=goldfinch, ../x ,tabby-cat,a.jpg')).toMatchObject({
      samples: ['goldfinch', 'tabby-cat'],
      sampleLimit: null,
    });
  });

  it('numbers that are not numbers are ignored; thread and batch counts must be whole, 1 to 64', () => {
    expect(optionsFromUrl('?ratio=abc&seed=&threads=0&batch=65')).toMatchObject({
      ratio: null,
      seed: null,
      wasmThreads: null,
      maxBatch: null,
    });
    expect(optionsFromUrl('?threads=1.5&batch=64')).toMatchObject({ wasmThreads: null, maxBatch: 64 });
    expect(optionsFromUrl('?ratio=Infinity').ratio).toBeNull();
  });

  it('?same= and ?lead= as switches; ?ep= only webgpu, wasm or auto', () => {
    expect(optionsFromUrl('?same=true&lead=1')).toMatchObject({ same: true, leadAlone: true });
    expect(optionsFromUrl('?lazy=off').lazyRows).toBe('off');
    expect(optionsFromUrl('?lazy=maybe').lazyRows).toBe('auto');
    expect(optionsFromUrl('?same=0')).toMatchObject({ same: false });
    expect(optionsFromUrl('?ep=webgpu').provider).toBe('webgpu');
    expect(optionsFromUrl('?ep=cuda').provider).toBe('auto');
  });
});
