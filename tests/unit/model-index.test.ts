import { describe, expect, it } from 'vitest';
import { modelIdOf, parseModelIndex } from '../../src/mae/model-index.ts';

describe('models/index.json', () => {
  it('keeps valid entries, skips bad ones', () => {
    expect(
      parseModelIndex({
        models: [
          { id: 'default', name: 'MAE ViT-Ti/16' },
          { id: '../etc', name: 'escape' },
          { id: 'default', name: 'duplicate' },
          { id: 'no-name' },
          { id: 42 },
          null,
          { id: 'x', name: '<img src=x onerror=alert(1)>' },
        ],
      }),
    ).toEqual([
      { id: 'default', name: 'MAE ViT-Ti/16' },
      { id: 'no-name', name: 'no-name' },
      { id: 'x', name: '<img src=x onerror=alert(1)>' }, // shown as text by React, never as HTML
    ]);
    expect(parseModelIndex([{ id: 'a', name: 'A' }])).toEqual([{ id: 'a', name: 'A' }]);
    expect(parseModelIndex('nonsense')).toEqual([]);
  });
  it('keeps a cpuVariant only when it names another entry of the list', () => {
    expect(
      parseModelIndex({
        models: [
          { id: 'default', name: 'D', cpuVariant: 'default-int8' },
          { id: 'default-int8', name: 'D int8' },
          { id: 'self', name: 'S', cpuVariant: 'self' },
          { id: 'gone', name: 'G', cpuVariant: 'missing' },
          { id: 'bad', name: 'B', cpuVariant: '../x' },
        ],
      }),
    ).toEqual([
      { id: 'default', name: 'D', cpuVariant: 'default-int8' },
      { id: 'default-int8', name: 'D int8' },
      { id: 'self', name: 'S' },
      { id: 'gone', name: 'G' },
      { id: 'bad', name: 'B' },
    ]);
  });
  it('the bundled index offers the int8 model as the CPU variant of the default', async () => {
    const { readFile } = await import('node:fs/promises');
    const index = parseModelIndex(JSON.parse(await readFile(new URL('../../models/index.json', import.meta.url), 'utf8')) as unknown);
    expect(index.find((m) => m.id === 'default')?.cpuVariant).toBe('default-int8');
  });
  it('reads the folder id of a model URL', () => {
    expect(modelIdOf('/models/tiny-112/')).toBe('tiny-112');
    expect(modelIdOf('/base/models/default/')).toBe('default');
    expect(modelIdOf('/elsewhere/')).toBeNull();
  });
});
