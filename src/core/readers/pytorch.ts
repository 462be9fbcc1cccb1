/**
 * PyTorch checkpoint reader (`torch.save`): the zip format (torch ≥ 1.6) and the legacy format (before 1.6).
 * Pure: bytes in, tensors out; no `vscode`, no DOM, no file system.
 *
 * Pickles are read by the small unpickler in this file and never executed. It only builds inert values:
 * pickleparser 0.2 was not used because it calls whatever REDUCE finds on its stack, `Reflect.construct`s classes,
 * copies BUILD state onto objects with `Object.assign`, reads LONG1 as unsigned, decodes LONG4 in quadratic time
 * and does not report where a pickle ends (the legacy format is several pickles in a row).
 *
 * Pickle global policy (see `resolveGlobal`):
 * - allow-listed globals (tensor/parameter rebuild functions, torch storage types and dtypes, OrderedDict,
 *   defaultdict, set, dict, a few inert data types such as torch.device, pathlib paths or numpy scalars) are
 *   resolved to a TypeScript re-implementation that builds data, never code;
 * - globals from modules that can run code (os, posix, subprocess, sys, builtins other than plain containers,
 *   importlib, pickle, ctypes, functools, operator, …) are refused as soon as the pickle names them;
 * - any other global (torch.nn modules, optimizers, user classes such as `__main__.RNNModel`) is an inert class:
 *   NEWOBJ/OBJ/INST make a plain `PyObject` whose BUILD state is kept and searched for tensors, but calling it with
 *   REDUCE is refused, since in Python that runs arbitrary code.
 * A refusal is a `FormatError` "refused pickle global <module>.<name> (only tensor data is read)".
 */
import { decodeElements } from '../dtype';
import {
  checkShape, CheckpointMetadata, DType, DTYPE_BYTES, FormatError, formatBytes, MetadataEntry, MetaValue, printableText, Tensor, DecodeBudget, DEFAULT_DECODE_BYTES,
  newDataLike, newTensorData, TensorData,
} from '../tensor';
import { listZip, readZipEntry } from './zip';

export interface PytorchResult {
  format: 'pytorch-zip' | 'pytorch-legacy';
  tensors: Tensor[];
  /** Plain values beside the tensors (configs, epoch, args …), read from the same inert pickle values. */
  metadata: CheckpointMetadata;
}

export interface PytorchOptions {
  /** Filled in while reading (used by tests: a storage shared by several tensors is decoded once). */
  stats?: { storagesDecoded: number };
  /** Memory for decoded values (default DEFAULT_DECODE_BYTES). */
  budget?: DecodeBudget;
}

/** Containers nested deeper than this are refused (real checkpoints nest a few dozen levels at most). */
const MAX_DEPTH = 256;
/**
 * Tensors may not add up to more than this many times the file size (views sharing a storage, tied weights):
 * a tiny pickle naming one storage a million times must not allocate a million copies.
 */
const MAX_TOTAL_FACTOR = 4;
const TOTAL_SLACK = 1024 ** 2;
/** Budget charged per tensor on top of its data, so empty tensors cannot be multiplied without bound. */
const PER_TENSOR_BUDGET = 64;
/** Longest name component kept; longer dict keys are shortened. */
const MAX_NAME_PART = 200;
/**
 * Longest tensor name kept: the start and the end of longer ones (where names differ) are kept. Besides keeping
 * output readable this matters for speed: V8 hashes strings longer than 16 383 characters by length only, so
 * thousands of long names sharing a length make every Map lookup compare whole strings (found by a crafted file).
 */
const MAX_NAME_LENGTH = 1000;
const NAME_HEAD = 300;
/** Tensors named in one checkpoint (real ones have thousands at most). */
const MAX_NAMED_TENSORS = 200_000;
/**
 * Work an unpickler may do per byte of pickle: every opcode costs 1, and every element an allowed call copies
 * (`list(x)`, `tuple(x)`, `dict(x)`, an object's arguments) or an APPENDS/SETITEMS adds costs 1 more. Real pickles
 * stay near 1 per byte; a pickle that calls `list` on one memoized 100 000-item list 40 000 times would need
 * 4·10⁹ and is refused as soon as it passes the budget.
 */
const WORK_PER_BYTE = 64;
const WORK_SLACK = 4_000_000;

const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e];
const LEGACY_PROTOCOL_VERSION = 1001;

/** Reads every tensor of a `torch.save` checkpoint, named like `state_dict()` keys. */
export function parsePytorch(bytes: Uint8Array, options: PytorchOptions = {}): PytorchResult {
  try {
    if (bytes.length === 0) throw new FormatError('file is empty');
    if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5)) {
      return { format: 'pytorch-zip', ...readZipCheckpoint(bytes, options) };
    }
    if (bytes.length >= 4 && LEGACY_MAGIC.slice(0, 4).every((b, i) => bytes[i] === b)) {
      return { format: 'pytorch-legacy', ...readLegacyCheckpoint(bytes, options) };
    }
    if (bytes.length > 262 && latin1(bytes.subarray(257, 262)) === 'ustar') {
      throw new FormatError('tar checkpoints from torch before 0.1.10 are not supported');
    }
    throw new FormatError('not a pytorch checkpoint (neither a torch.save zip archive nor the legacy format)');
  } catch (err) {
    if (err instanceof FormatError) {
      // Keys and names quoted in messages come from the file: keep the message one short printable line.
      const clean = printable(err.message);
      if (clean === err.message) throw err;
      throw new FormatError(clean);
    }
    // Safety net: anything else (a RangeError from an allocation, a bug) still becomes one line.
    const msg = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    throw new FormatError(printable(`unreadable pytorch checkpoint (${msg.split('\n')[0]})`));
  }
}

type Contents = Pick<PytorchResult, 'tensors' | 'metadata'>;

// ---------------------------------------------------------------------------------------------------------------
// Zip format

function readZipCheckpoint(bytes: Uint8Array, options: PytorchOptions): Contents {
  const entries = new Map(listZip(bytes).map((e) => [e.name, e]));
  const member = (name: string): Uint8Array | undefined => {
    const e = entries.get(name);
    return e && readZipEntry(bytes, e);
  };
  // The folder is named after the saved file's stem (`archive/` when saved to a file object).
  const pkls = [...entries.keys()].filter((n) => n === 'data.pkl' || n.endsWith('/data.pkl'));
  if (pkls.length === 0) throw new FormatError('data.pkl not found in the zip');
  pkls.sort((a, b) => a.split('/').length - b.split('/').length);
  const prefix = pkls[0].slice(0, -'data.pkl'.length);

  let littleEndian = true;
  const order = member(prefix + 'byteorder');
  if (order) {
    const text = latin1(order).trim();
    if (text !== 'little' && text !== 'big') throw new FormatError(`unknown byteorder "${text.slice(0, 20)}"`);
    littleEndian = text === 'little';
  }

  const storages = new Map<string, StorageRef>();
  const persistentLoad = (pid: unknown): unknown => {
    if (!Array.isArray(pid) || pid.length < 5 || pid[0] !== 'storage') {
      throw new FormatError(`unsupported persistent id ${describe(pid)}`);
    }
    const [, type, rawKey, , numel] = pid;
    const kind = storageKind(type);
    const key = storageKey(rawKey);
    const existing = storages.get(key);
    if (existing) {
      if (existing.dtype !== kind.dtype) throw new FormatError(`storage ${key} is declared with two types`);
      return existing;
    }
    const name = `${prefix}data/${key}`;
    const ref = new StorageRef(key, kind.dtype, kind.untyped, safeCount(numel, `storage ${key} size`), () => {
      const data = member(name);
      if (!data) throw new FormatError(`storage ${key} not found in the zip (${name})`);
      return data;
    });
    storages.set(key, ref);
    return ref;
  };

  const pkl = member(pkls[0])!;
  const { value } = unpickle(pkl, 0, persistentLoad);
  return { tensors: buildTensors(value, bytes.length, littleEndian, options), metadata: findMetadata(value) };
}

// ---------------------------------------------------------------------------------------------------------------
// Legacy format: magic number, protocol version, sys info, the object, the storage keys (five pickles in a row),
// then per storage in key order an int64 element count and the raw little-endian bytes.

function readLegacyCheckpoint(bytes: Uint8Array, options: PytorchOptions): Contents {
  if (bytes.length < LEGACY_MAGIC.length) throw new FormatError('truncated legacy checkpoint');
  if (!LEGACY_MAGIC.every((b, i) => bytes[i] === b)) {
    throw new FormatError('not a pytorch checkpoint (wrong legacy magic number)');
  }
  const noPersistent = (): never => {
    throw new FormatError('malformed legacy header (unexpected persistent id)');
  };
  let pos = LEGACY_MAGIC.length;
  const version = unpickle(bytes, pos, noPersistent);
  if (version.value !== LEGACY_PROTOCOL_VERSION) {
    throw new FormatError(`unsupported legacy protocol version ${describe(version.value)}`);
  }
  const sysInfo = unpickle(bytes, version.end, noPersistent);
  pos = sysInfo.end;

  const roots = new Map<string, StorageRef>();
  const views = new Map<string, StorageRef>();
  const persistentLoad = (pid: unknown): unknown => {
    if (!Array.isArray(pid) || pid.length < 1) throw new FormatError(`unsupported persistent id ${describe(pid)}`);
    const tag = pid[0] instanceof Uint8Array ? latin1(pid[0]) : pid[0];
    // ('module', cls, source_file, source): a pickled nn.Module class with its source, kept only as a name.
    if (tag === 'module') return pid[1];
    if (tag !== 'storage' || pid.length < 6) throw new FormatError(`unsupported persistent id ${describe(pid)}`);
    const [, type, rawRoot, , numel, viewMeta] = pid;
    const kind = storageKind(type);
    const rootKey = storageKey(rawRoot);
    let root = roots.get(rootKey);
    if (!root) {
      const ref: StorageRef = new StorageRef(rootKey, kind.dtype, kind.untyped, safeCount(numel, `storage ${rootKey} size`), () => {
        if (!ref.bytes) throw new FormatError(`storage ${rootKey} has no data in the file`);
        return ref.bytes;
      });
      root = ref;
      roots.set(rootKey, root);
    } else if (root.dtype !== kind.dtype) {
      throw new FormatError(`storage ${rootKey} is declared with two types`);
    }
    if (viewMeta === null || viewMeta === undefined) return root;
    // (view_key, offset, view_size): a storage that is a slice of the root storage.
    if (!Array.isArray(viewMeta) || viewMeta.length < 3) throw new FormatError(`malformed storage view of ${rootKey}`);
    const viewKey = storageKey(viewMeta[0]);
    const cached = views.get(viewKey);
    if (cached) return cached;
    const offset = safeCount(viewMeta[1], `storage view ${viewKey} offset`);
    const size = safeCount(viewMeta[2], `storage view ${viewKey} size`);
    const base = root;
    const view = new StorageRef(viewKey, kind.dtype, kind.untyped, size, () => {
      const data = base.load();
      const es = DTYPE_BYTES[base.dtype];
      if ((offset + size) * es > data.length) {
        throw new FormatError(`storage view ${viewKey} lies outside storage ${base.key}`);
      }
      return data.subarray(offset * es, (offset + size) * es);
    });
    views.set(viewKey, view);
    return view;
  };

  const object = unpickle(bytes, pos, persistentLoad);
  const keys = unpickle(bytes, object.end, noPersistent);
  pos = keys.end;
  if (!Array.isArray(keys.value)) throw new FormatError('malformed legacy checkpoint (storage keys are not a list)');

  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const rawKey of keys.value) {
    const key = storageKey(rawKey);
    const storage = roots.get(key);
    if (!storage) throw new FormatError(`storage ${key} has data but is not used by the pickle`);
    if (pos + 8 > bytes.length) throw new FormatError(`truncated legacy checkpoint (storage ${key} is missing)`);
    const lo = dv.getUint32(pos, true);
    const hi = dv.getInt32(pos + 4, true);
    if (hi < 0 || hi >= 2 ** 21) throw new FormatError(`storage ${key} declares an invalid size`);
    const count = hi * 2 ** 32 + lo;
    if (count !== storage.declaredNumel) {
      throw new FormatError(`storage ${key} holds ${count} values but the pickle declares ${storage.declaredNumel}`);
    }
    const nbytes = count * DTYPE_BYTES[storage.dtype];
    pos += 8;
    if (pos + nbytes > bytes.length) {
      throw new FormatError(
        `truncated legacy checkpoint (storage ${key} needs ${formatBytes(nbytes)}, ${formatBytes(bytes.length - pos)} remain)`,
      );
    }
    storage.bytes = bytes.subarray(pos, pos + nbytes);
    pos += nbytes;
  }
  // Legacy storage data is always little-endian (torch swapped bytes on big-endian hosts when writing).
  return { tensors: buildTensors(object.value, bytes.length, true, options), metadata: findMetadata(object.value) };
}

// ---------------------------------------------------------------------------------------------------------------
// Pickle values

/** A global named by the pickle, resolved against the allow-list. */
class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
    /** The allow-listed behaviour when REDUCE/NEWOBJ calls it; absent for inert classes (calling them is refused). */
    readonly call?: (args: unknown[]) => unknown,
    /** For torch storage types: the element type (`null`: a storage type this reader does not decode). */
    readonly storage?: { dtype: DType; untyped: boolean } | null,
    /** For torch dtypes such as `torch.float16` (`null`: not representable here, e.g. complex64). */
    readonly dtype?: DType | null,
  ) {}

  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An instance of a class the reader does not know (nn.Module, optimizer, user class): never run, only its state kept. */
class PyObject {
  /** `__dict__` from BUILD. */
  readonly attrs = new Map<unknown, unknown>();
  /** Items of a dict subclass (SETITEMS on the object). */
  items: Map<unknown, unknown> | null = null;
  /** Items of a list or set subclass. */
  list: unknown[] | null = null;
  /** BUILD state that is not a dict. */
  readonly extra: unknown[] = [];

  constructor(readonly cls: PyGlobal, readonly args: unknown[]) {}

  setState(state: unknown): void {
    const merge = (m: unknown): boolean => {
      if (!(m instanceof Map)) return false;
      for (const [k, v] of m) this.attrs.set(k, v);
      return true;
    };
    if (merge(state)) return;
    // (dict_state, slot_state) for classes with __slots__.
    if (Array.isArray(state) && state.length === 2 && (state[0] === null || state[0] instanceof Map)
      && (state[1] === null || state[1] instanceof Map)) {
      merge(state[0]);
      merge(state[1]);
      return;
    }
    if (state !== null) this.extra.push(state);
  }
}

/** A value the reader recognises but does not decode (a numpy scalar, a sparse tensor, a date): skipped. */
class Placeholder {
  constructor(readonly what: string) {}
}

class StorageRef {
  bytes: Uint8Array | null = null;
  private loaded: Uint8Array | null = null;

  constructor(
    readonly key: string,
    readonly dtype: DType,
    readonly untyped: boolean,
    readonly declaredNumel: number,
    private readonly loader: () => Uint8Array,
  ) {}

  load(): Uint8Array {
    if (!this.loaded) this.loaded = this.loader();
    return this.loaded;
  }
}

class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
    readonly dtype: DType,
  ) {}
}

/** A short description for messages; nesting is cut at 3 levels (shared sub-tuples would otherwise grow exponentially). */
function describe(v: unknown, depth = 0): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) {
    if (depth >= 3) return '(…)';
    return `(${v.slice(0, 4).map((x) => describe(x, depth + 1)).join(', ')}${v.length > 4 ? ', …' : ''})`;
  }
  if (v instanceof PyGlobal) return v.qualified;
  if (v instanceof Map) return 'a dict';
  if (v instanceof Uint8Array) return 'bytes';
  return 'an object';
}

const printable = (s: string): string => printableText(s, 300);

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}

function safeCount(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new FormatError(`invalid ${what} ${describe(v)}`);
  return v;
}

function storageKey(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  if (v instanceof Uint8Array) return latin1(v);
  throw new FormatError(`invalid storage key ${describe(v)}`);
}

function storageKind(type: unknown): { dtype: DType; untyped: boolean } {
  if (!(type instanceof PyGlobal) || type.storage === undefined) {
    throw new FormatError(`invalid storage type ${describe(type)}`);
  }
  if (type.storage === null) throw new FormatError(`unsupported storage type ${type.qualified}`);
  return type.storage;
}

// ---------------------------------------------------------------------------------------------------------------
// Global allow-list

const TORCH_STORAGES: Record<string, DType> = {
  FloatStorage: 'float32', DoubleStorage: 'float64', HalfStorage: 'float16', BFloat16Storage: 'bfloat16',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

const TORCH_DTYPES: Record<string, DType> = {
  float32: 'float32', float: 'float32', float64: 'float64', double: 'float64', float16: 'float16', half: 'float16',
  bfloat16: 'bfloat16', int64: 'int64', long: 'int64', int32: 'int32', int: 'int32', int16: 'int16', short: 'int16',
  int8: 'int8', uint8: 'uint8', bool: 'bool', uint16: 'uint16', uint32: 'uint32', uint64: 'uint64',
};
const TORCH_OTHER_DTYPES = new Set([
  'complex32', 'complex64', 'complex128', 'cfloat', 'cdouble', 'chalf', 'qint8', 'quint8', 'qint32', 'quint4x2',
  'quint2x4', 'float8_e4m3fn', 'float8_e5m2', 'float8_e4m3fnuz', 'float8_e5m2fnuz', 'bits8', 'bits16',
]);

/** Modules whose globals are refused outright: naming them in a checkpoint is a sign of a hostile file. */
const REFUSED_MODULES = [
  'os', 'posix', 'nt', 'posixpath', 'ntpath', 'subprocess', 'sys', 'shutil', 'socket', 'importlib', 'pickle',
  '_pickle', 'marshal', 'runpy', 'code', 'codeop', 'ctypes', 'multiprocessing', 'pty', 'webbrowser', 'io', '_io',
  'tempfile', 'functools', 'operator', '_operator', 'signal', 'threading', '_thread', 'asyncio', 'inspect', 'types',
  'pdb', 'bdb', 'timeit', 'platform', 'shelve', 'dill', 'cloudpickle', 'pip', 'setuptools', 'urllib', 'http',
  'requests', 'ftplib', 'smtplib', 'telnetlib', 'zipimport', 'pkgutil', 'site', 'sysconfig', 'gc', 'commands',
  'popen2', 'glob', 'torch.hub', 'torch.package', 'torch.ops', 'torch._ops',
];
const REFUSED_NAMES = new Set(['system', 'popen', 'eval', 'exec', 'execfile', 'compile', '__import__', 'getattr',
  'setattr', 'delattr', 'globals', 'locals', 'vars', 'breakpoint', 'input', 'open', 'apply']);
/** The only builtins a pickle may name: plain containers and values. */
const BUILTINS = new Set(['set', 'frozenset', 'dict', 'list', 'tuple', 'object', 'bytearray', 'bytes', 'slice',
  'complex', 'range', 'int', 'float', 'str', 'bool']);

function refused(module: string, name: string): FormatError {
  return new FormatError(`refused pickle global ${module}.${name} (only tensor data is read)`);
}

function arg(args: unknown[], i: number): unknown {
  return i < args.length ? args[i] : null;
}

function toMap(v: unknown): Map<unknown, unknown> {
  const m = new Map<unknown, unknown>();
  if (v instanceof Map) for (const [k, x] of v) m.set(k, x);
  else if (Array.isArray(v)) for (const pair of v) if (Array.isArray(pair) && pair.length === 2) m.set(pair[0], pair[1]);
  return m;
}

function instantiate(cls: unknown, args: unknown): unknown {
  if (!(cls instanceof PyGlobal)) throw new FormatError(`malformed pickle (cannot instantiate ${describe(cls)})`);
  const list = Array.isArray(args) ? args : [];
  if (cls.call) return cls.call(list);
  return new PyObject(cls, list);
}

function rebuildTensor(args: unknown[], dtypeArg?: unknown): TensorRef {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof StorageRef)) throw new FormatError(`malformed tensor (storage is ${describe(storage)})`);
  const off = safeCount(offset, 'storage offset');
  if (!Array.isArray(size) || !Array.isArray(stride) || size.length !== stride.length) {
    throw new FormatError(`malformed tensor (size ${describe(size)}, stride ${describe(stride)})`);
  }
  const shape = size.map((d) => safeCount(d, 'tensor dimension'));
  const strides = stride.map((s) => safeCount(s, 'tensor stride'));
  let dtype = storage.dtype;
  if (dtypeArg !== undefined) {
    if (!(dtypeArg instanceof PyGlobal) || dtypeArg.dtype === undefined) {
      throw new FormatError(`malformed tensor (dtype ${describe(dtypeArg)})`);
    }
    if (dtypeArg.dtype === null) throw new FormatError(`unsupported tensor dtype ${dtypeArg.qualified}`);
    dtype = dtypeArg.dtype;
  } else if (storage.untyped) {
    throw new FormatError('malformed tensor (untyped storage without a dtype)');
  }
  return new TensorRef(storage, off, shape, strides, dtype);
}

/** Resolves a pickle global per the policy at the top of this file. */
function resolveGlobal(module: string, name: string): PyGlobal {
  const fn = (call: (args: unknown[]) => unknown): PyGlobal => new PyGlobal(module, name, call);
  const placeholder = (what: string): PyGlobal => fn(() => new Placeholder(what));

  if (module === 'builtins' || module === '__builtin__') {
    if (!BUILTINS.has(name)) throw refused(module, name);
    switch (name) {
      case 'set': case 'frozenset': case 'list': case 'tuple':
        return fn((a) => (Array.isArray(a[0]) ? [...a[0]] : []));
      case 'dict': return fn((a) => toMap(a[0]));
      case 'object': return new PyGlobal(module, name);
      case 'bytearray': case 'bytes': return fn((a) => (a[0] instanceof Uint8Array ? a[0] : new Placeholder(name)));
      default: return placeholder(name);
    }
  }
  if (REFUSED_NAMES.has(name) || REFUSED_MODULES.some((m) => module === m || module.startsWith(m + '.'))) {
    throw refused(module, name);
  }

  if (module === 'torch' || module === 'torch.cuda') {
    if (name in TORCH_STORAGES && Object.prototype.hasOwnProperty.call(TORCH_STORAGES, name)) {
      return new PyGlobal(module, name, undefined, { dtype: TORCH_STORAGES[name], untyped: false });
    }
    if (name === 'UntypedStorage' || name === '_UntypedStorage') {
      return new PyGlobal(module, name, undefined, { dtype: 'uint8', untyped: true });
    }
    if (name.endsWith('Storage')) return new PyGlobal(module, name, undefined, null);
  }
  if (module === 'torch.storage' && (name === 'UntypedStorage' || name === '_UntypedStorage')) {
    return new PyGlobal(module, name, undefined, { dtype: 'uint8', untyped: true });
  }
  if (module === 'torch') {
    if (Object.prototype.hasOwnProperty.call(TORCH_DTYPES, name)) {
      return new PyGlobal(module, name, undefined, undefined, TORCH_DTYPES[name]);
    }
    if (TORCH_OTHER_DTYPES.has(name)) return new PyGlobal(module, name, undefined, undefined, null);
    if (name === 'device') return fn((a) => `device(${a.map(describe).join(', ')})`);
    if (name === 'Size') return fn((a) => (Array.isArray(a[0]) ? [...a[0]] : []));
  }

  if (module === 'torch._utils' || module === 'torch._tensor') {
    switch (name) {
      case '_rebuild_tensor':
      case '_rebuild_tensor_v2':
        return fn((a) => rebuildTensor(a));
      case '_rebuild_tensor_v3':
        // (storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype, metadata=None)
        return fn((a) => rebuildTensor(a, arg(a, 6)));
      case '_rebuild_parameter':
      case '_rebuild_parameter_with_state':
      case '_rebuild_device_tensor_from_cpu_tensor':
        return fn((a) => arg(a, 0));
      case '_rebuild_from_type':
      case '_rebuild_from_type_v2': {
        // (func, new_type, args, state): a tensor subclass; the type is ignored, `func` must itself be allowed.
        return fn((a) => {
          const inner = arg(a, 0);
          if (!(inner instanceof PyGlobal)) throw new FormatError(`malformed pickle (${name} of ${describe(inner)})`);
          if (!inner.call) throw refused(inner.module, inner.name);
          return inner.call(Array.isArray(a[2]) ? a[2] : []);
        });
      }
      default:
        // Sparse, quantized, meta, nested, numpy-backed … tensors: recognised, not decoded.
        if (name.startsWith('_rebuild_')) return placeholder(`${module}.${name}`);
    }
  }
  if (module === 'torch.nn.parameter' && (name === 'Parameter' || name === 'Buffer')) return fn((a) => arg(a, 0));
  if (module === 'torch.serialization' && name === '_get_layout') return placeholder('torch layout');
  if (module === 'torch.jit._pickle') {
    if (name.startsWith('build_') || name === 'restore_type_tag') return fn((a) => arg(a, 0));
  }

  if (module === 'collections') {
    if (name === 'OrderedDict' || name === 'Counter') return fn((a) => toMap(a[0]));
    if (name === 'defaultdict') return fn(() => new Map());
    if (name === 'deque') return fn((a) => (Array.isArray(a[0]) ? [...a[0]] : []));
  }
  if (module === 'copyreg' || module === 'copy_reg') {
    if (name === '_reconstructor') return fn((a) => instantiate(arg(a, 0), []));
    if (name === '__newobj__') return fn((a) => instantiate(arg(a, 0), a.slice(1)));
    if (name === '__newobj_ex__') return fn((a) => instantiate(arg(a, 0), arg(a, 1)));
  }
  if (module === '_codecs' && name === 'encode') {
    return fn((a) => {
      const s = a[0];
      if (typeof s !== 'string') return new Placeholder('bytes');
      const out = new Uint8Array(s.length);
      for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
      return out;
    });
  }
  if ((module === 'numpy.core.multiarray' || module === 'numpy._core.multiarray')
    && (name === 'scalar' || name === '_reconstruct')) {
    return placeholder(`numpy ${name}`);
  }
  if ((module === 'numpy.core.numeric' || module === 'numpy._core.numeric') && name === '_frombuffer') {
    return placeholder('numpy array');
  }
  if (module === 'numpy' && name === 'dtype') return placeholder('numpy dtype');
  if (module === 'pathlib' && /^(Pure)?(Posix|Windows)?Path$/.test(name)) {
    return fn((a) => a.filter((x) => typeof x === 'string').join('/'));
  }
  if (module === 'datetime' && ['datetime', 'date', 'time', 'timedelta', 'timezone'].includes(name)) {
    return placeholder(`datetime.${name}`);
  }
  // Anything else: an inert class. NEWOBJ makes a PyObject of it; REDUCE on it is refused.
  return new PyGlobal(module, name);
}

// ---------------------------------------------------------------------------------------------------------------
// Unpickler: builds inert values only. Every opcode consumes at least one byte and does work proportional to what
// it consumes, so time and memory are linear in the pickle's size.

const enum Op {
  MARK = 0x28, STOP = 0x2e, POP = 0x30, POP_MARK = 0x31, DUP = 0x32, FLOAT = 0x46, INT = 0x49, BININT = 0x4a,
  BININT1 = 0x4b, LONG = 0x4c, BININT2 = 0x4d, NONE = 0x4e, PERSID = 0x50, BINPERSID = 0x51, REDUCE = 0x52,
  STRING = 0x53, BINSTRING = 0x54, SHORT_BINSTRING = 0x55, UNICODE = 0x56, BINUNICODE = 0x58, APPEND = 0x61,
  BUILD = 0x62, GLOBAL = 0x63, DICT = 0x64, EMPTY_DICT = 0x7d, APPENDS = 0x65, GET = 0x67, BINGET = 0x68, INST = 0x69,
  LONG_BINGET = 0x6a, LIST = 0x6c, EMPTY_LIST = 0x5d, OBJ = 0x6f, PUT = 0x70, BINPUT = 0x71, LONG_BINPUT = 0x72,
  SETITEM = 0x73, TUPLE = 0x74, EMPTY_TUPLE = 0x29, SETITEMS = 0x75, BINFLOAT = 0x47,
  PROTO = 0x80, NEWOBJ = 0x81, EXT1 = 0x82, EXT2 = 0x83, EXT4 = 0x84, TUPLE1 = 0x85, TUPLE2 = 0x86, TUPLE3 = 0x87,
  NEWTRUE = 0x88, NEWFALSE = 0x89, LONG1 = 0x8a, LONG4 = 0x8b, BINBYTES = 0x42, SHORT_BINBYTES = 0x43,
  SHORT_BINUNICODE = 0x8c, BINUNICODE8 = 0x8d, BINBYTES8 = 0x8e, EMPTY_SET = 0x8f, ADDITEMS = 0x90, FROZENSET = 0x91,
  NEWOBJ_EX = 0x92, STACK_GLOBAL = 0x93, MEMOIZE = 0x94, FRAME = 0x95, BYTEARRAY8 = 0x96, NEXT_BUFFER = 0x97,
  READONLY_BUFFER = 0x98,
}

const utf8 = new TextDecoder('utf-8');

/** Two's-complement little-endian integer of any length, as a double (exact up to 2^53). */
function decodeLong(b: Uint8Array): number {
  const n = b.length;
  if (n === 0) return 0;
  const neg = (b[n - 1] & 0x80) !== 0;
  let v = 0;
  for (let i = n - 1; i >= 0; i--) v = v * 256 + (neg ? 255 - b[i] : b[i]);
  return neg ? -(v + 1) : v;
}

/** Unpickles one pickle starting at `start`; returns the value and the offset just past its STOP opcode. */
function unpickle(
  bytes: Uint8Array,
  start: number,
  persistentLoad: (pid: unknown) => unknown,
): { value: unknown; end: number } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = bytes.length;
  let pos = start;
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  const memo = new Map<number, unknown>();
  let work = 0;
  const workLimit = WORK_PER_BYTE * (len - start) + WORK_SLACK;
  const charge = (n: number): void => {
    work += n;
    if (work > workLimit) {
      throw new FormatError(`pickle does more work than its ${formatBytes(len - start)} can need (over ${workLimit} steps): refusing an amplification`);
    }
  };
  /** Elements an allowed call may copy out of its arguments. */
  const weight = (args: unknown): number => {
    if (!Array.isArray(args)) return 1;
    let n = args.length;
    for (const a of args) n += Array.isArray(a) ? a.length : a instanceof Map ? a.size : 0;
    return n;
  };

  const malformed = (what: string): FormatError => new FormatError(`malformed pickle (${what} at byte ${pos - start})`);
  const need = (n: number): number => {
    if (!Number.isSafeInteger(n) || n < 0 || pos + n > len) throw new FormatError('truncated pickle');
    const p = pos;
    pos += n;
    return p;
  };
  const u8 = (): number => bytes[need(1)];
  const u16 = (): number => dv.getUint16(need(2), true);
  const u32 = (): number => dv.getUint32(need(4), true);
  const u64 = (): number => {
    const p = need(8);
    const hi = dv.getUint32(p + 4, true);
    if (hi >= 2 ** 21) throw new FormatError('truncated pickle');
    return hi * 2 ** 32 + dv.getUint32(p, true);
  };
  const take = (n: number): Uint8Array => {
    const p = need(n);
    return bytes.subarray(p, p + n);
  };
  const line = (): string => {
    const nl = bytes.indexOf(0x0a, pos);
    if (nl < 0) throw new FormatError('truncated pickle');
    const s = latin1(bytes.subarray(pos, nl));
    pos = nl + 1;
    return s;
  };
  const pop = (): unknown => {
    if (stack.length === 0) throw malformed('stack underflow');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) throw malformed('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const prev = metastack.pop();
    if (!prev) throw malformed('missing MARK');
    stack = prev;
    return items;
  };
  const memoGet = (i: number): unknown => {
    if (!memo.has(i)) throw malformed(`memo entry ${i} missing`);
    return memo.get(i);
  };
  const memoPut = (i: number): void => {
    if (!Number.isSafeInteger(i) || i < 0) throw malformed('bad memo index');
    memo.set(i, top());
  };
  const resolve = (module: unknown, name: unknown): PyGlobal => {
    if (typeof module !== 'string' || typeof name !== 'string') throw malformed('global name is not a string');
    return resolveGlobal(module, name);
  };
  const setItems = (target: unknown, items: unknown[]): void => {
    if (items.length % 2) throw malformed('odd number of dict items');
    charge(items.length);
    let map: Map<unknown, unknown>;
    if (target instanceof Map) map = target;
    else if (target instanceof PyObject) map = target.items ??= new Map();
    else throw malformed(`SETITEMS on ${describe(target)}`);
    for (let i = 0; i < items.length; i += 2) map.set(items[i], items[i + 1]);
  };
  const appendItems = (target: unknown, items: unknown[]): void => {
    charge(items.length);
    let list: unknown[];
    if (Array.isArray(target)) list = target;
    else if (target instanceof PyObject) list = target.list ??= [];
    else throw malformed(`APPENDS on ${describe(target)}`);
    for (const x of items) list.push(x);
  };
  const int = (s: string): number => {
    const t = s.endsWith('L') ? s.slice(0, -1) : s;
    if (!/^[+-]?\d+$/.test(t)) throw malformed('bad integer');
    return Number(t);
  };
  const quoted = (s: string): string => {
    if (s.length >= 2 && (s[0] === "'" || s[0] === '"') && s[s.length - 1] === s[0]) return s.slice(1, -1);
    throw malformed('bad string');
  };

  while (pos < len) {
    const op = bytes[pos++];
    charge(1);
    switch (op) {
      case Op.PROTO: {
        const v = u8();
        if (v > 5) throw new FormatError(`unsupported pickle protocol ${v}`);
        break;
      }
      case Op.FRAME: need(8); break;
      case Op.STOP: {
        const value = pop();
        return { value, end: pos };
      }
      case Op.MARK: metastack.push(stack); stack = []; break;
      case Op.POP: pop(); break;
      case Op.POP_MARK: popMark(); break;
      case Op.DUP: stack.push(top()); break;

      case Op.PUT: memoPut(int(line())); break;
      case Op.BINPUT: memoPut(u8()); break;
      case Op.LONG_BINPUT: memoPut(u32()); break;
      case Op.MEMOIZE: memoPut(memo.size); break;
      case Op.GET: stack.push(memoGet(int(line()))); break;
      case Op.BINGET: stack.push(memoGet(u8())); break;
      case Op.LONG_BINGET: stack.push(memoGet(u32())); break;

      case Op.NONE: stack.push(null); break;
      case Op.NEWTRUE: stack.push(true); break;
      case Op.NEWFALSE: stack.push(false); break;
      case Op.INT: {
        const s = line();
        stack.push(s === '01' ? true : s === '00' ? false : int(s));
        break;
      }
      case Op.LONG: stack.push(int(line())); break;
      case Op.FLOAT: {
        const s = line().trim().toLowerCase();
        const f = s === 'nan' ? NaN : s === 'inf' ? Infinity : s === '-inf' ? -Infinity : Number(s);
        if (Number.isNaN(f) && s !== 'nan') throw malformed('bad float');
        stack.push(f);
        break;
      }
      case Op.BININT: stack.push(dv.getInt32(need(4), true)); break;
      case Op.BININT1: stack.push(u8()); break;
      case Op.BININT2: stack.push(u16()); break;
      case Op.LONG1: stack.push(decodeLong(take(u8()))); break;
      case Op.LONG4: {
        const n = dv.getInt32(need(4), true);
        if (n < 0) throw malformed('negative LONG4 length');
        stack.push(decodeLong(take(n)));
        break;
      }
      case Op.BINFLOAT: stack.push(dv.getFloat64(need(8), false)); break;

      case Op.STRING: stack.push(quoted(line())); break;
      case Op.UNICODE: stack.push(line()); break;
      case Op.BINSTRING: {
        const n = dv.getInt32(need(4), true);
        if (n < 0) throw malformed('negative string length');
        stack.push(latin1(take(n)));
        break;
      }
      case Op.SHORT_BINSTRING: stack.push(latin1(take(u8()))); break;
      case Op.BINUNICODE: stack.push(utf8.decode(take(u32()))); break;
      case Op.SHORT_BINUNICODE: stack.push(utf8.decode(take(u8()))); break;
      case Op.BINUNICODE8: stack.push(utf8.decode(take(u64()))); break;
      case Op.BINBYTES: stack.push(take(u32())); break;
      case Op.SHORT_BINBYTES: stack.push(take(u8())); break;
      case Op.BINBYTES8: case Op.BYTEARRAY8: stack.push(take(u64())); break;

      case Op.EMPTY_TUPLE: stack.push([]); break;
      case Op.TUPLE: case Op.LIST: case Op.FROZENSET: {
        const items = popMark(); // before `stack.push` is evaluated: popMark replaces `stack`
        stack.push(items);
        break;
      }
      case Op.TUPLE1: stack.push([pop()]); break;
      case Op.TUPLE2: { const b = pop(); const a = pop(); stack.push([a, b]); break; }
      case Op.TUPLE3: { const c = pop(); const b = pop(); const a = pop(); stack.push([a, b, c]); break; }
      case Op.EMPTY_LIST: stack.push([]); break;
      case Op.APPEND: { const x = pop(); appendItems(top(), [x]); break; }
      case Op.APPENDS: { const items = popMark(); appendItems(top(), items); break; }
      case Op.EMPTY_DICT: stack.push(new Map()); break;
      case Op.DICT: { const items = popMark(); const m = new Map(); setItems(m, items); stack.push(m); break; }
      case Op.SETITEM: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; }
      case Op.SETITEMS: { const items = popMark(); setItems(top(), items); break; }
      case Op.EMPTY_SET: stack.push([]); break;
      case Op.ADDITEMS: { const items = popMark(); appendItems(top(), items); break; }

      case Op.GLOBAL: { const module = line(); const name = line(); stack.push(resolve(module, name)); break; }
      case Op.STACK_GLOBAL: { const name = pop(); const module = pop(); stack.push(resolve(module, name)); break; }
      case Op.REDUCE: {
        const args = pop();
        const fn = pop();
        if (!(fn instanceof PyGlobal)) throw malformed(`REDUCE on ${describe(fn)}`);
        if (!fn.call) throw refused(fn.module, fn.name);
        if (!Array.isArray(args)) throw malformed('REDUCE arguments are not a tuple');
        charge(weight(args));
        stack.push(fn.call(args));
        break;
      }
      case Op.NEWOBJ: { const args = pop(); const cls = pop(); charge(weight(args)); stack.push(instantiate(cls, args)); break; }
      case Op.NEWOBJ_EX: { pop(); const args = pop(); const cls = pop(); charge(weight(args)); stack.push(instantiate(cls, args)); break; }
      case Op.OBJ: {
        const items = popMark();
        if (items.length === 0) throw malformed('OBJ without a class');
        charge(weight(items));
        stack.push(instantiate(items[0], items.slice(1)));
        break;
      }
      case Op.INST: {
        const module = line();
        const name = line();
        const args = popMark();
        charge(weight(args));
        stack.push(instantiate(resolve(module, name), args));
        break;
      }
      case Op.BUILD: {
        const state = pop();
        const obj = top();
        // Dict state (e.g. a state_dict's `_metadata`), tensor state and placeholders' state are dropped.
        if (obj instanceof PyObject) obj.setState(state);
        break;
      }
      case Op.PERSID: stack.push(persistentLoad(line())); break;
      case Op.BINPERSID: stack.push(persistentLoad(pop())); break;
      case Op.EXT1: case Op.EXT2: case Op.EXT4:
        throw new FormatError('unsupported pickle (uses the copyreg extension registry)');
      case Op.NEXT_BUFFER: throw new FormatError('unsupported pickle (uses out-of-band buffers)');
      case Op.READONLY_BUFFER: break;
      default:
        pos--;
        throw malformed(`unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
  throw new FormatError('truncated pickle (no STOP opcode)');
}

// ---------------------------------------------------------------------------------------------------------------
// Tensor discovery and decoding

interface Found {
  name: string;
  ref: TensorRef;
}

function joinName(prefix: string, part: string): string {
  const p = part.length > MAX_NAME_PART ? part.slice(0, MAX_NAME_PART) + '…' : part;
  const name = prefix === '' ? p : `${prefix}.${p}`;
  return name.length > MAX_NAME_LENGTH ? `${name.slice(0, NAME_HEAD)}…${name.slice(name.length - (MAX_NAME_LENGTH - NAME_HEAD - 1))}` : name;
}

const MODULE_TABLES = new Set(['_parameters', '_buffers', '_modules']);

/**
 * Walks the unpickled object and names every tensor like `state_dict()` keys: dict keys and module
 * `_parameters`/`_buffers`/`_modules` entries join with `.`, list and tuple items use their index. A tensor reached
 * again under another dict key or parameter name is reported again (tied weights keep both names, as in
 * `state_dict()`); reached again anywhere else (an optimizer's `params` list, an LSTM's `_flat_weights`) it is not.
 */
function findTensors(root: unknown): Found[] {
  const found: Found[] = [];
  const named = new Map<TensorRef, string>();
  const visited = new Set<object>();

  const keyName = (k: unknown, i: number): string => {
    if (typeof k === 'string') return k;
    if (typeof k === 'number' || typeof k === 'boolean') return String(k);
    if (k === null) return 'None';
    if (k instanceof TensorRef) return named.get(k) ?? String(i);
    if (k instanceof Uint8Array) return latin1(k.subarray(0, MAX_NAME_PART));
    return String(i);
  };

  const visitMap = (m: Map<unknown, unknown>, name: string, depth: number, alias: boolean): void => {
    let i = 0;
    for (const [k, v] of m) {
      const idx = i++;
      if (k === '_metadata' && !(v instanceof TensorRef)) continue;
      const primitiveKey = typeof k === 'string' || typeof k === 'number';
      visit(v, joinName(name, keyName(k, idx)), depth + 1, alias && primitiveKey);
    }
  };

  const visit = (v: unknown, name: string, depth: number, alias: boolean): void => {
    if (v instanceof TensorRef) {
      if (named.has(v) && !alias) return;
      if (!named.has(v)) named.set(v, name);
      if (found.length >= MAX_NAMED_TENSORS) throw new FormatError(`more than ${MAX_NAMED_TENSORS} named tensors`);
      found.push({ name, ref: v });
      return;
    }
    if (v === null || typeof v !== 'object') return;
    if (!(Array.isArray(v) || v instanceof Map || v instanceof PyObject)) return;
    if (depth > MAX_DEPTH) throw new FormatError(`pickle nests deeper than ${MAX_DEPTH} levels`);
    if (visited.has(v)) return;
    visited.add(v);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) visit(v[i], joinName(name, String(i)), depth + 1, false);
    } else if (v instanceof Map) {
      visitMap(v, name, depth, true);
    } else {
      const a = v.attrs;
      const isModule = a.get('_parameters') instanceof Map || a.get('_modules') instanceof Map;
      if (isModule) {
        for (const key of MODULE_TABLES) {
          const m = a.get(key);
          if (m instanceof Map && !visited.has(m)) {
            visited.add(m);
            visitMap(m, name, depth, true);
          }
        }
      }
      // Other attributes (an optimizer's state, tensors a module keeps outside its parameters) are searched too.
      for (const [k, x] of a) {
        if (isModule && typeof k === 'string' && MODULE_TABLES.has(k)) continue;
        visit(x, joinName(name, keyName(k, 0)), depth + 1, false);
      }
      if (v.items) visitMap(v.items, name, depth, true);
      if (v.list) v.list.forEach((x, i) => visit(x, joinName(name, String(i)), depth + 1, false));
      v.args.forEach((x, i) => visit(x, joinName(name, String(i)), depth + 1, false));
      v.extra.forEach((x, i) => visit(x, joinName(name, String(i)), depth + 1, false));
    }
  };

  visit(root, '', 0, true);
  return found;
}

/** Plain values kept per checkpoint (scalars and containers): a hostile pickle cannot make metadata large. */
const META_MAX_VALUES = 50_000;
/** Items kept per list or dict; the rest is summarised as `… N more`. */
const META_MAX_ITEMS = 4096;
/** Characters kept per string. */
const META_MAX_STRING = 1000;
/** Containers nested deeper than this inside a plain value are cut. */
const META_MAX_DEPTH = 32;

/**
 * The plain values stored beside the tensors — a `configs` list of dicts, `epoch`, an `args` dict or
 * argparse.Namespace — named like tensors. Walks the same inert values the tensors come from (nothing is executed);
 * a container is plain when no tensor, storage or nn.Module is reachable from it. Containers that hold tensors are
 * searched for plain values inside them. Bounded: long strings and lists are cut, deep nesting and shared
 * sub-values are limited by a total budget, and `truncated` says so.
 */
function findMetadata(root: unknown): CheckpointMetadata {
  const entries: MetadataEntry[] = [];
  let budget = META_MAX_VALUES;
  let truncated = false;
  /** Whether a container is plain; memoised, so shared sub-values are checked once. Cycles are not plain. */
  const plainness = new Map<object, boolean>();
  const onPath = new Set<object>();

  const isModule = (o: PyObject): boolean => o.attrs.get('_parameters') instanceof Map || o.attrs.get('_modules') instanceof Map;
  /** Public attributes of an object (argparse.Namespace, a dataclass); private ones and module internals are skipped. */
  const publicAttrs = (o: PyObject): [unknown, unknown][] =>
    [...o.attrs].filter(([k]) => !(typeof k === 'string' && (k.startsWith('_') || k === 'training')));
  const children = (v: object): [unknown, unknown][] => {
    if (Array.isArray(v)) return v.map((x, i) => [i, x]);
    if (v instanceof Map) return [...v].filter(([k, x]) => !(k === '_metadata' && !(x instanceof TensorRef)));
    if (v instanceof PyObject) {
      return [...publicAttrs(v), ...(v.items ? [...v.items] : []), ...(v.list ?? []).map((x, i): [unknown, unknown] => [i, x])];
    }
    return [];
  };
  const isContainer = (v: unknown): v is object => Array.isArray(v) || v instanceof Map || v instanceof PyObject;

  const plain = (v: unknown, depth: number): boolean => {
    if (v instanceof TensorRef || v instanceof StorageRef) return false;
    if (!isContainer(v)) return true;
    if (v instanceof PyObject && isModule(v)) return false;
    const known = plainness.get(v);
    if (known !== undefined) return known;
    if (onPath.has(v) || depth > MAX_DEPTH) return false;
    onPath.add(v);
    let ok = true;
    for (const [, x] of children(v)) if (!(ok = plain(x, depth + 1))) break;
    onPath.delete(v);
    plainness.set(v, ok);
    return ok;
  };

  const cut = (what: string): string => { truncated = true; return `… ${what}`; };
  const text = (s: string): string => (s.length > META_MAX_STRING ? (truncated = true, s.slice(0, META_MAX_STRING) + '…') : s);
  const keyText = (k: unknown, i: number): string => {
    if (typeof k === 'string') return text(k);
    if (typeof k === 'number' || typeof k === 'boolean') return String(k);
    if (k === null) return 'None';
    if (k instanceof Uint8Array) return text(latin1(k.subarray(0, META_MAX_STRING)));
    return `#${i}`;
  };
  /** A plain value as JSON-like data (the caller checked `plain`). */
  const convert = (v: unknown, depth: number): MetaValue => {
    if (budget <= 0) return cut('more values');
    budget--;
    if (v === null || v === undefined) return null;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'number') return Number.isFinite(v) ? v : Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
    if (typeof v === 'string') return text(v);
    if (v instanceof Uint8Array) return `<${v.length} bytes>`;
    if (v instanceof Placeholder) return `<${v.what}>`;
    if (v instanceof PyGlobal) return `<${v.qualified}>`;
    if (!isContainer(v)) return '<object>';
    if (depth >= META_MAX_DEPTH) return cut('nested deeper');
    const items = children(v);
    const kept = items.slice(0, META_MAX_ITEMS);
    const more = items.length - kept.length;
    if (Array.isArray(v) || (v instanceof PyObject && v.attrs.size === 0 && !v.items)) {
      const list = kept.map(([, x]) => convert(x, depth + 1));
      if (more > 0) list.push(cut(`${more} more`));
      return list;
    }
    // Own properties only: keys such as `__proto__` from the file stay data.
    const dict: { [key: string]: MetaValue } = Object.create(null);
    kept.forEach(([k, x], i) => { dict[keyText(k, i)] = convert(x, depth + 1); });
    if (more > 0) dict['…'] = cut(`${more} more`);
    return dict;
  };

  /**
   * Containers that hold tensors are searched: a dict's or object's plain items become one entry under the
   * container's name (an nn.Module's public attributes: hidden_size, dropout …; an optimizer param group's lr),
   * a list's plain items one entry each; the rest is searched in turn. The top-level dict is split into its items.
   */
  const visited = new Set<object>();
  const keep = (name: string, value: MetaValue): void => {
    const empty = value !== null && typeof value === 'object' && Object.keys(value).length === 0;
    if (!empty) entries.push({ name, value });
  };
  const visit = (v: unknown, name: string, depth: number, top = false): void => {
    if (budget <= 0) { truncated = true; return; }
    if (!top && plain(v, depth)) {
      keep(name, convert(v, 0));
      return;
    }
    if (!isContainer(v) || visited.has(v) || depth > MAX_DEPTH) return;
    visited.add(v);
    const items = v instanceof PyObject && isModule(v) ? publicAttrs(v) : children(v);
    if (!top && !Array.isArray(v)) {
      const settings = items.filter(([, x]) => plain(x, depth + 1));
      if (settings.length) keep(name, convert(new Map(settings), 0));
    }
    items.forEach(([k, x], i) => {
      if (top || Array.isArray(v) || !plain(x, depth + 1)) visit(x, joinName(name, keyText(k, i)), depth + 1);
    });
    const modules = v instanceof PyObject && isModule(v) ? v.attrs.get('_modules') : undefined;
    if (modules instanceof Map) for (const [k, x] of modules) visit(x, joinName(name, keyText(k, 0)), depth + 1);
  };
  visit(root, '', 0, root instanceof Map || (root instanceof PyObject && !isModule(root)));
  return { entries, truncated };
}

function buildTensors(root: unknown, fileBytes: number, littleEndian: boolean, options: PytorchOptions): Tensor[] {
  const found = findTensors(root);

  // Check every shape, stride and offset, and the total, before anything is decoded or allocated.
  const budget = MAX_TOTAL_FACTOR * fileBytes + TOTAL_SLACK;
  const memory = options.budget ?? new DecodeBudget(DEFAULT_DECODE_BYTES);
  let total = 0;
  const counts: number[] = [];
  const byStorage = new Map<StorageRef, { lo: number; hi: number; dtype: DType; users: number }>();
  for (const { name, ref } of found) {
    const es = DTYPE_BYTES[ref.dtype];
    const label = name === '' ? 'tensor' : `tensor ${name}`;
    let span = byStorage.get(ref.storage);
    if (!span) {
      span = { lo: Infinity, hi: -Infinity, dtype: ref.dtype, users: 0 };
      byStorage.set(ref.storage, span);
    } else if (span.dtype !== ref.dtype) {
      throw new FormatError(`storage ${ref.storage.key} is read as both ${span.dtype} and ${ref.dtype}`);
    }
    span.users++;
    // The last storage index the view touches must lie inside the storage (plain arithmetic, nothing allocated).
    if (!ref.shape.includes(0)) {
      let last = ref.offset;
      for (let d = 0; d < ref.shape.length; d++) last += (ref.shape[d] - 1) * ref.stride[d];
      if (!Number.isSafeInteger(last)) throw new FormatError(`${label}: strides out of range`);
      const capacity = Math.floor(ref.storage.load().length / es);
      if (last >= capacity) {
        throw new FormatError(`${label}: storage ${ref.storage.key} holds ${capacity} values but the tensor needs ${last + 1}`);
      }
      span.lo = Math.min(span.lo, ref.offset);
      span.hi = Math.max(span.hi, last + 1);
    }
    // Its dense size (what is allocated) must fit the file, and all tensors together the budget.
    let n: number;
    try {
      n = elementCountChecked(ref.shape, es, fileBytes);
    } catch (err) {
      throw err instanceof FormatError ? new FormatError(`${label}: ${err.message}`) : err;
    }
    counts.push(n);
    memory.reserve(n, label);
    total += n * es + PER_TENSOR_BUDGET;
    if (total > budget) {
      throw new FormatError(
        `tensors add up to more than ${formatBytes(budget)} (${MAX_TOTAL_FACTOR}× the file): too many views of shared storage`,
      );
    }
  }

  // Each storage is decoded once, only over the range its tensors use.
  const decoded = new Map<StorageRef, { values: TensorData; lo: number }>();
  for (const [storage, span] of byStorage) {
    if (span.hi <= span.lo) continue;
    const es = DTYPE_BYTES[span.dtype];
    // A view of the storage's bytes where the values can be read as they are (unaligned ones are copied once).
    const sub = storage.load().subarray(span.lo * es, span.hi * es);
    decoded.set(storage, { values: decodeElements(sub, span.dtype, span.hi - span.lo, littleEndian), lo: span.lo });
    if (options.stats) options.stats.storagesDecoded++;
  }

  const tensors: Tensor[] = [];
  const usedNames = new Map<string, number>();
  found.forEach(({ name, ref }, i) => {
    const n = counts[i];
    let data: TensorData;
    const src = decoded.get(ref.storage);
    if (n === 0 || !src) {
      data = newTensorData(ref.dtype, n);
    } else if (isContiguous(ref.shape, ref.stride)) {
      const start = ref.offset - src.lo;
      const whole = byStorage.get(ref.storage)!.users === 1 && start === 0 && n === src.values.length;
      data = whole ? src.values : src.values.slice(start, start + n);
    } else {
      data = gather(src.values, ref.offset - src.lo, ref.shape, ref.stride, n);
    }
    // Names are unique: a clash (a dict key equal to a list index path) gets a suffix.
    const seen = usedNames.get(name) ?? 0;
    usedNames.set(name, seen + 1);
    tensors.push({ name: seen === 0 ? name : `${name}#${seen + 1}`, shape: [...ref.shape], dtype: ref.dtype, data });
  });
  return tensors;
}

function elementCountChecked(shape: number[], bytesPerElement: number, available: number): number {
  const dims = checkShape(shape, bytesPerElement, available);
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

function isContiguous(shape: number[], stride: number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}

/** Copies a strided view into C order. The caller has checked that every index lies inside `src`. */
function gather(src: TensorData, offset: number, shape: number[], stride: number[], n: number): TensorData {
  const out = newDataLike(src, n);
  const nd = shape.length;
  const innerSize = shape[nd - 1];
  const innerStride = stride[nd - 1];
  const idx = new Array<number>(nd).fill(0);
  let base = offset;
  let k = 0;
  while (k < n) {
    for (let j = 0, p = base; j < innerSize; j++, p += innerStride) out[k++] = src[p];
    // Advance the outer dimensions like an odometer.
    let d = nd - 2;
    for (; d >= 0; d--) {
      idx[d]++;
      base += stride[d];
      if (idx[d] < shape[d]) break;
      base -= stride[d] * shape[d];
      idx[d] = 0;
    }
    if (d < 0) break;
  }
  return out;
}
