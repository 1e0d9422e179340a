/**
 * A PyTorch checkpoint (torch.save, torch >= 1.6: a zip of `<archive>/data.pkl`, `<archive>/data/<key>`,
 * `<archive>/version`) as a table of tensors pointing into the file. The pickle is read by the
 * restricted reader (pickle.ts); storages are located through their zip entries' local headers.
 */
import { formatBytes } from '../../../mae/format-bytes.ts';
import { WeightsError } from './errors.ts';
import { DTYPE_BYTES, PyDict, PyObject, TensorRef, readStateDictPickle, type PyValue } from './pickle.ts';
import type { TensorEntry, TensorTable } from './tensors.ts';
import { entryDataStart, readEntry, readZipDirectory, type ZipEntry } from './zip.ts';

/** Keys under which training code wraps the state dict (`{'model': sd}` officially; Lightning uses state_dict). */
const WRAPPER_KEYS = ['model', 'state_dict', 'model_state_dict'];

function listNames(names: readonly string[], max = 6): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

export async function readTorchCheckpoint(blob: Blob, fileName: string): Promise<TensorTable> {
  const entries = await readZipDirectory(blob, fileName);
  const pickles = entries.filter((e) => /^[^/]+\/data\.pkl$/.test(e.name));
  if (pickles.length !== 1) {
    const names = entries.map((e) => e.name);
    throw new WeightsError(
      `${fileName} is a zip file, but not a PyTorch checkpoint: it has ${pickles.length === 0 ? 'no' : 'more than one'} <name>/data.pkl` +
        (names.length ? ` (it holds ${listNames(names)}).` : ' (it is empty).') +
        ' Choose the .pth, pytorch_model.bin or model.safetensors file itself.',
    );
  }
  const prefix = pickles[0].name.slice(0, -'data.pkl'.length);
  const root = readStateDictPickle(await readEntry(blob, pickles[0], fileName), fileName);
  if (!(root instanceof PyDict)) {
    throw new WeightsError(`${fileName} holds a ${describe(root)}, not a dict of weights: it is not a model checkpoint.`);
  }
  const topLevelKeys = [...root.entries.keys()].map(String);
  const stateDict = unwrap(root, fileName);

  const byName = new Map<string, ZipEntry>(entries.map((e) => [e.name, e]));
  const starts = new Map<string, Promise<number>>();
  const located: Promise<TensorEntry>[] = [];
  for (const [key, value] of stateDict.entries) {
    if (!(value instanceof TensorRef) || typeof key !== 'string') continue;
    const storageName = `${prefix}data/${value.storage.key}`;
    const entry = byName.get(storageName);
    if (!entry) throw new WeightsError(`${fileName} is damaged: the tensor ${key} lives in ${storageName}, which is missing from the zip.`);
    if (entry.method !== 0) {
      throw new WeightsError(`${fileName} was re-compressed after PyTorch wrote it (${storageName} is deflated): save it again with torch.save.`);
    }
    let start = starts.get(storageName);
    if (!start) {
      start = entryDataStart(blob, entry, fileName);
      starts.set(storageName, start);
    }
    located.push(start.then((s) => locate(key, value, s, entry, fileName)));
  }
  const tensors = new Map<string, TensorEntry>();
  for (const t of await Promise.all(located)) tensors.set(t.name, t);
  return { container: 'pytorch-zip', tensors, topLevelKeys };
}

function describe(v: PyValue): string {
  if (v === null) return 'None';
  if (v instanceof PyObject) return v.className;
  return typeof v === 'object' ? v.constructor.name.replace(/^Py/, '').toLowerCase() : typeof v;
}

/** The dict of tensors: the checkpoint itself, or its `model` entry. */
function unwrap(root: PyDict, fileName: string): PyDict {
  for (const key of WRAPPER_KEYS) {
    const inner = root.entries.get(key);
    if (inner instanceof PyDict) return inner;
  }
  const tensorCount = [...root.entries.values()].filter((v) => v instanceof TensorRef).length;
  if (tensorCount === 0) {
    throw new WeightsError(
      `${fileName} holds no weights: it is a PyTorch file whose dict has the keys ${listNames([...root.entries.keys()].map(String))}, with no 'model' entry and no tensors.`,
    );
  }
  return root;
}

function locate(name: string, t: TensorRef, storageStart: number, entry: ZipEntry, fileName: string): TensorEntry {
  const itemBytes = DTYPE_BYTES[t.storage.dtype];
  // Row-major strides; a dimension of size 1 may carry any stride.
  let expected = 1;
  for (let d = t.shape.length - 1; d >= 0; d--) {
    if (t.shape[d] !== 1 && t.stride[d] !== expected) {
      throw new WeightsError(
        `${fileName}: the tensor ${name} is stored as a non-contiguous view (shape [${t.shape.join(', ')}], strides [${t.stride.join(', ')}]); ` +
          'save the state dict with contiguous tensors ({k: v.contiguous() for k, v in sd.items()}).',
      );
    }
    expected *= t.shape[d];
  }
  const byteLength = expected * itemBytes;
  const offsetInStorage = t.storageOffset * itemBytes;
  if (offsetInStorage + byteLength > entry.size || t.storage.numel * itemBytes > entry.size) {
    throw new WeightsError(
      `${fileName} is damaged: the tensor ${name} needs ${formatBytes(offsetInStorage + byteLength)} of ${entry.name}, which holds ${formatBytes(entry.size)}.`,
    );
  }
  return { name, dtype: t.storage.dtype, shape: t.shape, byteOffset: storageStart + offsetInStorage, byteLength };
}

/** Torch's legacy (pre-1.6) format starts with a pickled magic number rather than a zip header. */
export function looksLikeLegacyTorch(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x80 && head[1] <= 5;
}
