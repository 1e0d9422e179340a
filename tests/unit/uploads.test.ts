import { afterEach, describe, expect, it } from 'vitest';
import { useStore } from '../../src/state/store.ts';
import { admitFiles, MAX_ROWS, UploadTracker } from '../../src/features/grid/uploads.ts';

describe('admitFiles: a drop of many files', () => {
  it('takes everything that fits, silently', () => {
    expect(admitFiles(5, 12)).toEqual({ take: 5, notice: null });
    expect(admitFiles(MAX_ROWS - 12, 12)).toEqual({ take: MAX_ROWS - 12, notice: null });
  });
  it('caps at the grid size and says so, with the numbers', () => {
    expect(admitFiles(200, 12, 100)).toEqual({
      take: 88,
      notice: 'Added 88 of 200 files: the grid holds at most 100 images. Remove some rows (×) to add more.',
    });
    expect(admitFiles(3, 100, 100)).toEqual({
      take: 0,
      notice: 'The grid is full (100 images): the 3 files were not added. Remove some rows (×) first.',
    });
    expect(admitFiles(1, 120, 100).take).toBe(0);
  });
});

describe('UploadTracker: progress until each file has an answer', () => {
  afterEach(() => useStore.setState({ rows: [], uploads: null }));

  it('counts rows that got a result or an error, then clears', () => {
    const store = useStore.getState();
    for (const id of ['a', 'b', 'c']) store.addRow({ id, name: id, origin: 'upload' });
    const t = new UploadTracker();
    t.add(['a', 'b', 'c']);
    expect(useStore.getState().uploads).toEqual({ done: 0, total: 3 });
    store.updateRow('a', { status: 'error', error: 'x' });
    expect(useStore.getState().uploads).toEqual({ done: 1, total: 3 });
    store.updateRow('b', { status: 'waiting' }); // decoded, no answer yet
    expect(useStore.getState().uploads).toEqual({ done: 1, total: 3 });
    store.removeRow('b'); // removed rows count as answered
    expect(useStore.getState().uploads).toEqual({ done: 2, total: 3 });
    store.updateRow('c', { status: 'done', result: {} as never });
    expect(useStore.getState().uploads).toBeNull();
  });
});
