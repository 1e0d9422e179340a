import { describe, expect, it } from 'vitest';
import { modelIdOf, parseModelIndex } from '../../src/state/model-index.ts';

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
  it('reads the folder id of a model URL', () => {
    expect(modelIdOf('/models/tiny-112/')).toBe('tiny-112');
    expect(modelIdOf('/base/models/default/')).toBe('default');
    expect(modelIdOf('/elsewhere/')).toBeNull();
  });
});
