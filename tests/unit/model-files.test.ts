import { describe, expect, it } from 'vitest';
import {
  dispatchDrop,
  folderLabel,
  grabDrop,
  isLocalModelUrl,
  isModelFileName,
  localModelLabel,
  localModelUrl,
  routeDrop,
  walkEntries,
  type DirectoryEntryLike,
  type EntryLike,
  type FileEntryLike,
  type PickedFile,
} from '../../src/features/models/model-files.ts';

const file = (name: string, body = 'x'): File => new File([body], name);
const picked = (...paths: string[]): PickedFile[] => paths.map((path) => ({ path, file: file(path.slice(path.lastIndexOf('/') + 1)) }));

/** An in-memory folder tree shaped like the browser's FileSystemEntry objects; readEntries answers in batches of `batch`. */
function dirEntry(fullPath: string, children: Record<string, string | Record<string, unknown>>, batch = 2): DirectoryEntryLike {
  const entries: EntryLike[] = Object.entries(children).map(([name, v]) => {
    const path = `${fullPath}/${name}`;
    if (typeof v === 'string') {
      const f: FileEntryLike = { isFile: true, isDirectory: false, name, fullPath: path, file: (ok) => ok(file(name, v)) };
      return f;
    }
    return dirEntry(path, v as Record<string, string | Record<string, unknown>>, batch);
  });
  return {
    isFile: false,
    isDirectory: true,
    name: fullPath.slice(fullPath.lastIndexOf('/') + 1),
    fullPath,
    createReader() {
      let at = 0;
      return {
        readEntries(ok) {
          const out = entries.slice(at, at + batch);
          at += batch;
          ok(out);
        },
      };
    },
  };
}

describe('isModelFileName', () => {
  it('knows a model folder by its manifest, graphs and external data', () => {
    for (const p of ['manifest.json', 'm/Manifest.JSON', 'encoder.onnx', 'a/b/decoder.ONNX', 'encoder.onnx.data', 'x.onnx_data'])
      expect(isModelFileName(p), p).toBe(true);
    for (const p of ['photo.jpg', 'notes.json', 'manifest.json.bak', 'onnx', 'model.pt']) expect(isModelFileName(p), p).toBe(false);
  });
});

describe('routeDrop', () => {
  it('sends a drop with model files to the model loader, all of it', () => {
    const files = picked('my-model/manifest.json', 'my-model/encoder.onnx', 'my-model/card.png');
    const r = routeDrop(files);
    expect(r.kind).toBe('model');
    expect(r.kind === 'model' && r.files.map((f) => f.path)).toEqual([
      'my-model/manifest.json',
      'my-model/encoder.onnx',
      'my-model/card.png',
    ]);
    expect(routeDrop(picked('decoder.onnx')).kind).toBe('model');
  });
  it('sends anything else to the rows as before, and nothing for an empty drop', () => {
    const r = routeDrop(picked('a.jpg', 'notes.txt'));
    expect(r.kind === 'images' && r.files.map((f) => f.name)).toEqual(['a.jpg', 'notes.txt']);
    expect(routeDrop([])).toEqual({ kind: 'none' });
  });
});

describe('folderLabel', () => {
  it('is the shared top folder, or null for loose files or mixed folders', () => {
    expect(folderLabel(['m/manifest.json', 'm/sub/encoder.onnx'])).toBe('m');
    expect(folderLabel(['manifest.json', 'encoder.onnx'])).toBeNull();
    expect(folderLabel(['a/manifest.json', 'b/encoder.onnx'])).toBeNull();
    expect(folderLabel([])).toBeNull();
  });
});

describe('local model URLs', () => {
  it('carry the folder name and are never a /models/ id', () => {
    const url = localModelUrl(3, 'my-model');
    expect(url).toBe('local:3/my-model');
    expect(isLocalModelUrl(url)).toBe(true);
    expect(localModelLabel(url)).toBe('my-model');
    expect(localModelLabel(localModelUrl(4, null))).toBe('');
    expect(isLocalModelUrl('/models/default/')).toBe(false);
    expect(localModelLabel('/models/default/')).toBeNull();
    expect(isLocalModelUrl(null)).toBe(false);
  });
});

describe('dropped folders', () => {
  it('walkEntries collects every file, in batches and subfolders, with paths from the dropped folder', async () => {
    const dir = dirEntry('/my-model', {
      'manifest.json': '{}',
      'encoder.onnx': 'e',
      'decoder.onnx': 'd',
      weights: { 'encoder.onnx.data': 'w' },
    });
    const files = await walkEntries([dir]);
    expect(files.map((f) => f.path).sort()).toEqual([
      'my-model/decoder.onnx',
      'my-model/encoder.onnx',
      'my-model/manifest.json',
      'my-model/weights/encoder.onnx.data',
    ]);
    expect(await files.find((f) => f.path.endsWith('.data'))?.file.text()).toBe('w');
  });

  it('grabDrop separates loose files from folders; without items it reads dt.files', () => {
    const dir = dirEntry('/photos', { 'a.jpg': 'a' });
    const loose = file('b.jpg');
    const dt = {
      items: [
        { kind: 'file', getAsFile: () => file('photos'), webkitGetAsEntry: () => dir },
        { kind: 'file', getAsFile: () => loose, webkitGetAsEntry: () => null },
        { kind: 'string', getAsFile: () => null },
      ],
    };
    const g = grabDrop(dt);
    expect(g.dirs).toEqual([dir]);
    expect(g.files.map((f) => f.path)).toEqual(['b.jpg']);
    expect(grabDrop({ files: [loose] }).files).toEqual([{ path: 'b.jpg', file: loose }]);
  });

  it('dispatchDrop: a dropped model folder goes to the loader; a folder of photos to the rows', async () => {
    const seen: { model: string[][]; images: string[][]; notices: string[] } = { model: [], images: [], notices: [] };
    const to = {
      model: (f: PickedFile[]) => seen.model.push(f.map((x) => x.path)),
      images: (f: File[]) => seen.images.push(f.map((x) => x.name)),
      notice: (m: string) => seen.notices.push(m),
    };
    const modelDir = dirEntry('/m', { 'manifest.json': '{}', 'encoder.onnx': 'e' });
    dispatchDrop({ items: [{ kind: 'file', getAsFile: () => null, webkitGetAsEntry: () => modelDir }] }, to);
    const photoDir = dirEntry('/p', { 'a.jpg': 'a', 'b.png': 'b' });
    dispatchDrop({ items: [{ kind: 'file', getAsFile: () => null, webkitGetAsEntry: () => photoDir }] }, to);
    // Loose files are routed at once (synchronously), like the drop handler always did.
    dispatchDrop({ files: [file('c.jpg')] }, to);
    expect(seen.images).toEqual([['c.jpg']]);
    await new Promise((r) => setTimeout(r, 0));
    expect(seen.model).toEqual([['m/manifest.json', 'm/encoder.onnx']]);
    expect(seen.images).toEqual([['c.jpg'], ['a.jpg', 'b.png']]);
    dispatchDrop({ items: [{ kind: 'file', getAsFile: () => null, webkitGetAsEntry: () => dirEntry('/empty', {}) }] }, to);
    await new Promise((r) => setTimeout(r, 0));
    expect(seen.notices).toEqual(['The dropped folder is empty.']);
  });
});
