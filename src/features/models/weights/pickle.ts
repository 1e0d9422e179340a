/**
 * A restricted reader for the pickle inside a PyTorch checkpoint (`data.pkl`). It never executes
 * anything: it walks the opcodes a state dict uses and builds a plain description of it (dicts,
 * tuples, strings, numbers and tensor descriptions: dtype, shape, strides, storage key and offset).
 *
 * Pickle can name any Python callable (`os.system`, `builtins.eval`, ...), which `torch.load` would
 * call. Here only the few globals a state dict needs are accepted; any other global, and any opcode
 * outside the list below, ends the read with a message saying what the file asked for.
 */
import { WeightsError } from './errors.ts';

export type TensorDtype = 'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export const DTYPE_BYTES: Record<TensorDtype, number> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

/**
 * torch.<Name>Storage → element type: the storage classes a checkpoint's persistent ids name.
 * A Map, not an object: the names come from the file, and `'constructor' in {}` is true.
 */
export const STORAGE_DTYPES: ReadonlyMap<string, TensorDtype> = new Map([
  ['FloatStorage', 'float32'],
  ['HalfStorage', 'float16'],
  ['BFloat16Storage', 'bfloat16'],
  ['DoubleStorage', 'float64'],
  ['LongStorage', 'int64'],
  ['IntStorage', 'int32'],
  ['ShortStorage', 'int16'],
  ['CharStorage', 'int8'],
  ['ByteStorage', 'uint8'],
  ['BoolStorage', 'bool'],
]);

export class PyDict {
  readonly entries = new Map<PyKey, PyValue>();
}
export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}
export class PyList {
  constructor(readonly items: PyValue[]) {}
}
/** A global the pickle named (only allowed ones are ever created). */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}
/** An instance of an allowed plain-data class (argparse.Namespace in training checkpoints): its state is kept, never used. */
export class PyObject {
  constructor(readonly className: string) {}
}
export class StorageRef {
  constructor(
    readonly key: string,
    readonly dtype: TensorDtype,
    readonly location: string,
    readonly numel: number,
  ) {}
}
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    /** in elements, as torch stores it */
    readonly storageOffset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

export type PyKey = string | number | boolean | null;
export type PyValue = PyKey | Uint8Array | PyDict | PyTuple | PyList | PyGlobal | PyObject | StorageRef | TensorRef;

/**
 * What may appear in a state dict's pickle; everything else is refused. The same list as
 * python/mae_playground/checkpoints.py's _ALLOWED_GLOBALS (python/tests/test_ts_parity.py checks it),
 * plus the storage classes, which torch.load resolves itself before its unpickler is asked.
 */
function allowedGlobal(module: string, name: string): boolean {
  if (module === 'collections' && name === 'OrderedDict') return true;
  if (module === 'torch._utils' && (name === '_rebuild_tensor_v2' || name === '_rebuild_parameter')) return true;
  if (module === 'torch' && STORAGE_DTYPES.has(name)) return true;
  // A shape saved beside the weights (torch.Size is a tuple of ints); python/mae_playground/checkpoints.py allows it too.
  if (module === 'torch' && name === 'Size') return true;
  // Training checkpoints (`{'model', 'optimizer', 'epoch', 'args'}`) carry the run's arguments as a
  // Namespace: plain data; it is recorded, never constructed.
  if (module === 'argparse' && name === 'Namespace') return true;
  return false;
}

const OPCODE_NAMES: Record<number, string> = {
  0x28: 'MARK',
  0x2e: 'STOP',
  0x30: 'POP',
  0x31: 'POP_MARK',
  0x32: 'DUP',
  0x46: 'FLOAT',
  0x49: 'INT',
  0x4a: 'BININT',
  0x4b: 'BININT1',
  0x4c: 'LONG',
  0x4d: 'BININT2',
  0x4e: 'NONE',
  0x50: 'PERSID',
  0x51: 'BINPERSID',
  0x52: 'REDUCE',
  0x53: 'STRING',
  0x54: 'BINSTRING',
  0x55: 'SHORT_BINSTRING',
  0x56: 'UNICODE',
  0x58: 'BINUNICODE',
  0x61: 'APPEND',
  0x62: 'BUILD',
  0x63: 'GLOBAL',
  0x64: 'DICT',
  0x7d: 'EMPTY_DICT',
  0x65: 'APPENDS',
  0x67: 'GET',
  0x68: 'BINGET',
  0x69: 'INST',
  0x6a: 'LONG_BINGET',
  0x6c: 'LIST',
  0x5d: 'EMPTY_LIST',
  0x6f: 'OBJ',
  0x70: 'PUT',
  0x71: 'BINPUT',
  0x72: 'LONG_BINPUT',
  0x73: 'SETITEM',
  0x74: 'TUPLE',
  0x29: 'EMPTY_TUPLE',
  0x75: 'SETITEMS',
  0x47: 'BINFLOAT',
  0x80: 'PROTO',
  0x81: 'NEWOBJ',
  0x82: 'EXT1',
  0x83: 'EXT2',
  0x84: 'EXT4',
  0x85: 'TUPLE1',
  0x86: 'TUPLE2',
  0x87: 'TUPLE3',
  0x88: 'NEWTRUE',
  0x89: 'NEWFALSE',
  0x8a: 'LONG1',
  0x8b: 'LONG4',
  0x42: 'BINBYTES',
  0x43: 'SHORT_BINBYTES',
  0x8c: 'SHORT_BINUNICODE',
  0x8d: 'BINUNICODE8',
  0x8e: 'BINBYTES8',
  0x8f: 'EMPTY_SET',
  0x90: 'ADDITEMS',
  0x91: 'FROZENSET',
  0x92: 'NEWOBJ_EX',
  0x93: 'STACK_GLOBAL',
  0x94: 'MEMOIZE',
  0x95: 'FRAME',
  0x96: 'BYTEARRAY8',
  0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER',
};

/** Internal: the pickle stream itself is malformed (cut short, a stack that does not add up). */
class Damaged extends Error {}

const MARK = Symbol('mark');
type StackItem = PyValue | typeof MARK;

/**
 * Reads `data.pkl` into a description. `where` names the file in messages ("mae_visualize_vit_base.pth").
 * Throws WeightsError for refused globals or opcodes and for damaged streams.
 */
export function readStateDictPickle(bytes: Uint8Array, where: string): PyValue {
  try {
    return run(bytes, where);
  } catch (e) {
    if (e instanceof Damaged) throw new WeightsError(`${where} is damaged: its data.pkl cannot be read (${e.message}). Download the file again.`);
    throw e;
  }
}

function run(bytes: Uint8Array, where: string): PyValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = new TextDecoder('utf-8', { fatal: true });
  const latin1 = new TextDecoder('latin1');
  let at = 0;
  let stack: StackItem[] = [];
  const marks: StackItem[][] = [];
  const memo = new Map<number, PyValue>();

  const need = (n: number): void => {
    if (at + n > bytes.length) throw new Damaged(`it ends in the middle of an instruction at byte ${at}`);
  };
  const u8 = (): number => {
    need(1);
    return bytes[at++];
  };
  const u16 = (): number => {
    need(2);
    const v = view.getUint16(at, true);
    at += 2;
    return v;
  };
  const u32 = (): number => {
    need(4);
    const v = view.getUint32(at, true);
    at += 4;
    return v;
  };
  const u64 = (): number => {
    need(8);
    const v = view.getBigUint64(at, true);
    at += 8;
    if (v > BigInt(bytes.length)) throw new Damaged(`a length of ${v} bytes does not fit in it`);
    return Number(v);
  };
  const take = (n: number): Uint8Array => {
    need(n);
    const out = bytes.subarray(at, at + n);
    at += n;
    return out;
  };
  const utf8 = (n: number): string => {
    try {
      return text.decode(take(n));
    } catch {
      throw new Damaged(`a string before byte ${at} is not UTF-8`);
    }
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, at);
    if (end < 0) throw new Damaged('a GLOBAL name has no end');
    const s = latin1.decode(bytes.subarray(at, end));
    at = end + 1;
    return s;
  };
  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) throw new Damaged(`an instruction before byte ${at} takes a value that is not there`);
    return v;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw new Damaged(`an instruction before byte ${at} works on a value that is not there`);
    return v;
  };
  const popMark = (): PyValue[] => {
    const items = stack as PyValue[];
    const previous = marks.pop();
    if (!previous) throw new Damaged(`an instruction before byte ${at} needs a MARK that is not there`);
    stack = previous;
    return items;
  };
  const refuseGlobal = (module: string, name: string): never => {
    throw new WeightsError(
      `${where} was refused: its data.pkl asks for the Python function ${module}.${name}, which a file of model weights never needs. ` +
        'A checkpoint may only hold tensors, dicts and numbers; opened with torch.load this file could run code on your machine. Nothing in it was run.',
    );
  };
  const makeGlobal = (module: string, name: string): PyGlobal => {
    if (!allowedGlobal(module, name)) refuseGlobal(module, name);
    return new PyGlobal(module, name);
  };
  const setItems = (dict: PyValue, items: PyValue[]): void => {
    if (!(dict instanceof PyDict)) throw new Damaged('SETITEM on something that is not a dict');
    if (items.length % 2 !== 0) throw new Damaged('SETITEMS with an odd number of values');
    for (let i = 0; i < items.length; i += 2) {
      const key = items[i];
      if (!(key === null || typeof key === 'string' || typeof key === 'number' || typeof key === 'boolean')) {
        throw new Damaged('a dict key that is not a string or a number');
      }
      dict.entries.set(key, items[i + 1]);
    }
  };
  const call = (callable: PyValue, args: PyValue): PyValue => {
    if (!(callable instanceof PyGlobal)) throw new Damaged('REDUCE on something that is not a function');
    if (!(args instanceof PyTuple)) throw new Damaged('REDUCE without an argument tuple');
    const a = args.items;
    switch (callable.qualifiedName) {
      case 'collections.OrderedDict':
        return new PyDict();
      case 'argparse.Namespace':
        return new PyObject('argparse.Namespace');
      case 'torch._utils._rebuild_parameter':
        if (!(a[0] instanceof TensorRef)) throw new Damaged('_rebuild_parameter without a tensor');
        return a[0];
      case 'torch._utils._rebuild_tensor_v2':
        return rebuildTensor(a);
      case 'torch.Size':
        return new PyTuple(intTuple(a[0] ?? new PyTuple([]), 'a torch.Size'));
      default:
        // A storage class called as a function: torch never writes that.
        return refuseGlobal(callable.module, callable.name);
    }
  };

  for (;;) {
    const at0 = at;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        u8();
        break;
      case 0x95: // FRAME: a length hint only
        take(8);
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length > 0) throw new Damaged('it stops with an unbalanced stack');
        return pop();
      case 0x28: // MARK
        marks.push(stack);
        stack = [];
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push(new PyList([]));
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(new PyTuple([]));
        break;
      case 0x74: {
        // TUPLE (popMark first: it replaces `stack`)
        const items = popMark();
        stack.push(new PyTuple(items));
        break;
      }
      case 0x85: // TUPLE1
        stack.push(new PyTuple([pop()]));
        break;
      case 0x86: {
        const b = pop();
        stack.push(new PyTuple([pop(), b]));
        break;
      }
      case 0x87: {
        const c = pop();
        const b = pop();
        stack.push(new PyTuple([pop(), b, c]));
        break;
      }
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88:
        stack.push(true);
        break;
      case 0x89:
        stack.push(false);
        break;
      case 0x4a: // BININT
        need(4);
        stack.push(view.getInt32(at, true));
        at += 4;
        break;
      case 0x4b:
        stack.push(u8());
        break;
      case 0x4d:
        stack.push(u16());
        break;
      case 0x8a: {
        // LONG1: little-endian two's complement of n bytes
        const n = u8();
        const raw = take(n);
        let value = 0n;
        for (let i = n - 1; i >= 0; i--) value = (value << 8n) | BigInt(raw[i]);
        if (n > 0 && raw[n - 1] & 0x80) value -= 1n << BigInt(8 * n);
        if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) throw new Damaged(`an integer too large (${value})`);
        stack.push(Number(value));
        break;
      }
      case 0x47: // BINFLOAT: big-endian double
        need(8);
        stack.push(view.getFloat64(at, false));
        at += 8;
        break;
      case 0x58:
        stack.push(utf8(u32()));
        break;
      case 0x8c:
        stack.push(utf8(u8()));
        break;
      case 0x8d:
        stack.push(utf8(u64()));
        break;
      case 0x42:
        stack.push(take(u32()).slice());
        break;
      case 0x43:
        stack.push(take(u8()).slice());
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72:
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68:
      case 0x6a: {
        const index = op === 0x68 ? u8() : u32();
        const v = memo.get(index);
        if (v === undefined) throw new Damaged(`it refers to memo slot ${index}, which was never filled`);
        stack.push(v);
        break;
      }
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        const name = line();
        stack.push(makeGlobal(module, name));
        break;
      }
      case 0x93: {
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw new Damaged('STACK_GLOBAL without two names');
        stack.push(makeGlobal(module, name));
        break;
      }
      case 0x51: // BINPERSID: torch's storage reference
        stack.push(persistentLoad(pop()));
        break;
      case 0x52: {
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x81: {
        // NEWOBJ cls args: only the plain-data classes above
        const args = pop();
        const cls = pop();
        if (!(cls instanceof PyGlobal) || cls.qualifiedName !== 'argparse.Namespace' || !(args instanceof PyTuple)) {
          if (cls instanceof PyGlobal) refuseGlobal(cls.module, cls.name);
          throw new Damaged('NEWOBJ on something that is not a class');
        }
        stack.push(new PyObject(cls.qualifiedName));
        break;
      }
      case 0x62: {
        // BUILD: sets an object's state (OrderedDict's _metadata, a Namespace's fields). Kept out of the result.
        pop();
        const target = top();
        if (!(target instanceof PyDict || target instanceof PyObject || target instanceof TensorRef)) throw new Damaged('BUILD on a plain value');
        break;
      }
      case 0x73: {
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x61: {
        const value = pop();
        const list = top();
        if (!(list instanceof PyList)) throw new Damaged('APPEND on something that is not a list');
        list.items.push(value);
        break;
      }
      case 0x65: {
        const items = popMark();
        const list = top();
        if (!(list instanceof PyList)) throw new Damaged('APPENDS on something that is not a list');
        list.items.push(...items);
        break;
      }
      default: {
        const name = OPCODE_NAMES[op];
        if (name === undefined) throw new Damaged(`byte ${at0} holds 0x${op.toString(16).padStart(2, '0')}, which is no pickle instruction`);
        throw new WeightsError(
          `${where} was refused: its data.pkl uses the pickle instruction ${name} (0x${op.toString(16)}), which a state dict of weights never needs. Nothing in it was run.`,
        );
      }
    }
  }
}

function asInt(v: PyValue | undefined, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Damaged(`${what} is not a non-negative integer`);
  return v;
}

function intTuple(v: PyValue | undefined, what: string): number[] {
  if (!(v instanceof PyTuple)) throw new Damaged(`${what} is not a tuple`);
  return v.items.map((x, i) => asInt(x, `${what}[${i}]`));
}

/** torch's persistent id: ('storage', torch.<T>Storage, key, location, numel). */
function persistentLoad(pid: PyValue): StorageRef {
  if (!(pid instanceof PyTuple) || pid.items[0] !== 'storage' || pid.items.length < 5) throw new Damaged('a persistent id that is not a storage');
  const [, type, key, location, numel] = pid.items;
  const dtype = type instanceof PyGlobal && type.module === 'torch' ? STORAGE_DTYPES.get(type.name) : undefined;
  if (dtype === undefined) throw new Damaged('a storage of unknown type');
  if (typeof key !== 'string' || typeof location !== 'string') throw new Damaged('a storage without a key');
  return new StorageRef(key, dtype, location, asInt(numel, 'a storage size'));
}

/** _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]) */
function rebuildTensor(args: PyValue[]): TensorRef {
  const storage = args[0];
  if (!(storage instanceof StorageRef)) throw new Damaged('a tensor without a storage');
  return new TensorRef(storage, asInt(args[1], 'a storage offset'), intTuple(args[2], 'a tensor shape'), intTuple(args[3], 'a tensor stride'));
}
