// Where a picked or dropped weights file goes: to the model loader, which imports it (weights-local.ts).
import { describe, expect, it } from 'vitest';
import { isWeightsFileName, routeDrop, type PickedFile } from '../../src/features/models/model-files.ts';
import { isWeightsImport } from '../../src/features/models/weights-local.ts';

const picked = (...paths: string[]): PickedFile[] => paths.map((path) => ({ path, file: new File([], path.split('/').pop() ?? path) }));

describe('weights files', () => {
  it('are the official .pth, pytorch_model.bin and model.safetensors, by name, any case', () => {
    for (const name of ['mae_visualize_vit_large.pth', 'dl/pytorch_model.bin', 'MODEL.SAFETENSORS', 'old.pt'])
      expect(isWeightsFileName(name), name).toBe(true);
    for (const name of ['photo.jpg', 'encoder.onnx', 'manifest.json', 'weights.pth.txt', 'safetensors'])
      expect(isWeightsFileName(name), name).toBe(false);
  });

  it('a dropped weights file goes to the model loader, photos stay photos', () => {
    expect(routeDrop(picked('mae_visualize_vit_base.pth')).kind).toBe('model');
    expect(routeDrop(picked('model.safetensors', 'cat.jpg')).kind).toBe('model');
    expect(routeDrop(picked('cat.jpg', 'dog.png')).kind).toBe('images');
  });

  it('the worker imports a pick that holds a weights file, and reads a folder otherwise', () => {
    const local = (...paths: string[]) => paths.map((path) => ({ path, blob: new Blob([]) }));
    expect(isWeightsImport(local('model.safetensors'))).toBe(true);
    expect(isWeightsImport(local('m/manifest.json', 'm/encoder.onnx', 'm/decoder.onnx'))).toBe(false);
  });
});
