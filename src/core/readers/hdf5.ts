/**
 * Keras HDF5 checkpoints through h5wasm (HDF5 compiled to WebAssembly; `h5wasm/node` reads the host file system).
 *
 * Layouts: Keras 2 full models (`model_weights/<layer>/<layer>/kernel:0`, the paper's Keras 2.2.4), tf.keras
 * full models and `save_weights` files (layer groups at the root), and Keras 3 (`.keras` zips holding
 * `model.weights.h5` with `layers/<name>/.../vars/<i>`, or a bare `.weights.h5`). Every numeric dataset becomes a
 * tensor named by its full path; `layer_names` / `weight_names` attributes give the order where present.
 *
 * h5wasm is loaded lazily (about 4 MB of JavaScript and wasm). Using it safely needs some care:
 * - h5wasm's optional "throwing" HDF5 error handler throws JavaScript exceptions through wasm frames, which leaks
 *   wasm stack and HDF5 state: after about 2,000 failed opens the module crashes with "memory access out of
 *   bounds". We keep HDF5's default handler (return codes) and check every status instead.
 * - HDF5's default handler prints its error stack to file descriptor 2, and anything the C code prints to
 *   stdout would corrupt the CLI's --json output. All h5wasm calls therefore run synchronously inside
 *   `captureOutput`, which diverts the module's writes to descriptors 1 and 2 into a string that we use for
 *   the error message.
 * - A file without an HDF5 signature never reaches h5wasm, and shapes are checked against the file size before
 *   anything is allocated (also inside the wasm heap). Large datasets are read in blocks so that the wasm
 *   heap, which never shrinks, stays small.
 * - A checkpoint reads only itself. External links are never followed and soft links are skipped; datasets
 *   whose data live in other files are refused, never opened: virtual datasets (seen in their metadata) and
 *   HDF5 "external storage" (an external file list, which h5wasm does not expose). For the latter, while h5wasm
 *   works, its file system's `open` admits only the file being read (`withOnlyFileOpenable`): HDF5's attempt to
 *   open `/etc/passwd`, a FIFO or a relative path fails before the host is touched, and the read that wanted it
 *   is reported as external storage.
 * - Fuzzing corrupt files found two HDF5 paths that misbehave: reading variable-length strings from a corrupt
 *   global heap loops forever, and converting a big-endian dataset whose datatype message is corrupt writes out
 *   of bounds. Keras writes neither (its name lists are fixed-length strings, its data little-endian), so
 *   variable-length attributes are ignored and big-endian datasets refused. Should the wasm module still trap,
 *   later calls report that instead of trusting it.
 */
import fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeElements } from '../dtype';
import { checkShape, DecodeBudget, DEFAULT_DECODE_BYTES, DType, elementCount, FormatError, formatBytes, newTensorData, printableText, Tensor } from '../tensor';
import { listZip, readZipEntry, ZipEntry } from './zip';

type H5Lib = typeof import('h5wasm/node');
type H5Module = H5Lib['Module'];
type H5Metadata = ReturnType<H5Module['get_dataset_metadata']>;

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const ZIP_SIGNATURE = [0x50, 0x4b, 0x03, 0x04];
/** Deflate cannot expand data by more than about 1032:1; filtered (compressed) datasets get that allowance. */
const MAX_FILTER_EXPANSION = 1032;
/** Datasets larger than this are read in blocks of rows, so the wasm heap stays this small. */
const BLOCK_BYTES = 16 * 2 ** 20;
/** HDF5 object types (H5O_type_t). */
const H5O_TYPE_GROUP = 0;
const H5O_TYPE_DATASET = 1;
/** HDF5 type classes (H5T_class_t). */
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_STRING = 3;
const H5T_STR_SPACEPAD = 2;
const H5T_ENUM = 8;

let loading: Promise<H5Module> | undefined;
/** Set when the wasm module trapped or aborted: it cannot be trusted afterwards. */
let brokenBy: string | undefined;

async function loadH5wasm(): Promise<H5Module> {
  loading ??= import('h5wasm/node').then((lib) => lib.ready);
  try {
    return await loading;
  } catch (err) {
    loading = undefined;
    throw new FormatError(`cannot load the HDF5 reader (h5wasm): ${oneLine(err)}`);
  }
}

/**
 * Reads every numeric dataset of a Keras HDF5 file (or of the `model.weights.h5` inside a Keras 3 `.keras` zip).
 * `file` is read again by h5wasm from the file system; `bytes` are its contents, used for the checks.
 */
export async function readKerasHdf5(
  file: string, bytes: Uint8Array, budget = new DecodeBudget(DEFAULT_DECODE_BYTES),
): Promise<Tensor[]> {
  if (startsWith(bytes, 0, ZIP_SIGNATURE)) return readKeras3Zip(bytes, budget);
  checkSignature(bytes);
  const module = await loadH5wasm();
  return readWithH5wasm(module, path.resolve(file), bytes.length, budget);
}

/**
 * A plain HDF5 file read without loading it into memory first: h5wasm reads it from the file system, so only the
 * bytes where the signature may sit (`hdf5SignatureOffsets`) are needed, as `probes` (each 8 bytes or fewer).
 */
export async function readHdf5File(
  file: string, size: number, probes: Uint8Array[], budget = new DecodeBudget(DEFAULT_DECODE_BYTES),
): Promise<Tensor[]> {
  if (!probes.some((p) => startsWith(p, 0, HDF5_SIGNATURE))) throw new FormatError('not an HDF5 file (no HDF5 signature)');
  const module = await loadH5wasm();
  return readWithH5wasm(module, path.resolve(file), size, budget);
}

/** Where an HDF5 signature may start in a file of `size` bytes: 0, 512, 1024, 2048, … (after a user block). */
export function hdf5SignatureOffsets(size: number): number[] {
  const out: number[] = [];
  for (let offset = 0; offset + HDF5_SIGNATURE.length <= size; offset = offset ? offset * 2 : 512) out.push(offset);
  return out;
}

async function readKeras3Zip(bytes: Uint8Array, budget: DecodeBudget): Promise<Tensor[]> {
  let entries: ZipEntry[];
  try {
    entries = listZip(bytes);
  } catch (err) {
    if (err instanceof FormatError) throw new FormatError(`not a valid zip archive (${err.message})`);
    throw err;
  }
  const entry = entries.find((e) => e.name === 'model.weights.h5');
  if (!entry) {
    const names = entries.slice(0, 5).map((e) => e.name);
    throw new FormatError(
      `zip archive has no model.weights.h5, so it is not a Keras 3 .keras file (it holds ${names.length ? names.join(', ') : 'nothing'})`,
    );
  }
  const inner = readZipEntry(bytes, entry);
  checkSignature(inner, 'model.weights.h5 in the archive');
  const module = await loadH5wasm();
  // h5wasm/node reads only from the host file system: extract to a private temporary folder.
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'recurrent-lens-'));
  const tmp = path.join(dir, 'model.weights.h5');
  try {
    await fs.promises.writeFile(tmp, inner, { mode: 0o600 });
    return readWithH5wasm(module, tmp, inner.length, budget);
  } finally {
    // Best effort: a failure to clean up (e.g. a file still locked on Windows) must not hide the result.
    await fs.promises.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** HDF5 files start with the signature at offset 0, 512, 1024, 2048, … (after an optional user block). */
function checkSignature(bytes: Uint8Array, what = 'file'): void {
  if (hdf5SignatureOffsets(bytes.length).some((offset) => startsWith(bytes, offset, HDF5_SIGNATURE))) return;
  throw new FormatError(
    what === 'file' ? 'not an HDF5 file (no HDF5 signature)' : `${what} is not an HDF5 file (no HDF5 signature)`,
  );
}

function startsWith(bytes: Uint8Array, offset: number, magic: number[]): boolean {
  return bytes.length >= offset + magic.length && magic.every((b, i) => bytes[offset + i] === b);
}

function readWithH5wasm(M: H5Module, file: string, fileSize: number, budget: DecodeBudget): Tensor[] {
  if (brokenBy) {
    throw new FormatError(`the HDF5 reader stopped working after an earlier file (${brokenBy}); restart to read HDF5 files`);
  }
  const output = { text: '' };
  try {
    return withOnlyFileOpenable(M, file, (refused) => captureOutput(output, () => {
      const fileId = M.open(file, M.H5F_ACC_RDONLY, false, -1, -1);
      if (fileId < 0n) throw new FormatError(openProblem(output.text));
      try {
        return new Reader(M, fileId, fileSize, output, refused, budget).readAll();
      } finally {
        M.close_file(fileId);
      }
    }));
  } catch (err) {
    if (err instanceof FormatError) throw err;
    if (isWasmTrap(err)) {
      brokenBy = oneLine(err);
      throw new FormatError(`the HDF5 library crashed on this file (${brokenBy})`);
    }
    throw new FormatError(`not a valid HDF5 file (${oneLine(err).toLowerCase() || 'corrupt'})`);
  }
}

/** Paths other than the file being read that HDF5 tried to open, in order (never opened). */
type RefusedOpens = string[];

interface EmscriptenFs {
  open: (path: string, flags: unknown, mode?: unknown) => unknown;
  ErrnoError: new (errno: number) => Error;
}

/** Emscripten's errno for EACCES. */
const EMSCRIPTEN_EACCES = 2;

/**
 * Runs `fn` while h5wasm's file system opens nothing but `file` (resolved the way the runtime resolves it): any
 * other open fails with EACCES and is recorded in the list passed to `fn`. `fn` is synchronous, so nothing else
 * uses the module meanwhile; the original `open` is restored afterwards.
 */
function withOnlyFileOpenable<T>(M: H5Module, file: string, fn: (refused: RefusedOpens) => T): T {
  const FS = (M as unknown as { FS?: EmscriptenFs }).FS;
  if (!FS || typeof FS.open !== 'function') {
    // Without the hook external storage could be read: refuse to read HDF5 at all rather than risk it.
    throw new FormatError('the HDF5 reader cannot restrict file access in this h5wasm build');
  }
  const refused: RefusedOpens = [];
  const original = FS.open;
  const allowed = path.resolve(file);
  FS.open = function (this: unknown, p: string, flags: unknown, mode?: unknown) {
    if (typeof p !== 'string' || path.resolve(p) !== allowed) {
      refused.push(String(p));
      throw new FS.ErrnoError(EMSCRIPTEN_EACCES);
    }
    return original.call(this, p, flags, mode);
  };
  try {
    return fn(refused);
  } finally {
    FS.open = original;
  }
}

/** The reason HDF5 gave for refusing to open a file, as one line. */
function openProblem(log: string): string {
  const truncated = /truncated file: eof = (\d+),.*stored_eof = (\d+)/.exec(log);
  if (truncated) {
    return `not a valid HDF5 file (truncated: ${truncated[1]} of ${truncated[2]} bytes present)`;
  }
  if (/file signature not found/.test(log)) return 'not a valid HDF5 file (no superblock found)';
  return 'not a valid HDF5 file (truncated or corrupt)';
}

/** Last line of HDF5's error stack that says what went wrong. */
function hdf5Reason(log: string): string {
  const lines = log.split('\n').map((l) => l.trim()).filter((l) => /^#\d+:/.test(l));
  const last = lines[lines.length - 1];
  const m = last ? /\):\s*(.*)$/.exec(last) : null;
  return m ? m[1].toLowerCase() : '';
}

const MAX_CAPTURED = 64 * 1024;
type WriteSync = (fd: number, buffer: unknown, offset?: unknown, length?: unknown, position?: unknown) => number;
const nodeFs = fs as unknown as { writeSync: WriteSync };

/**
 * Runs `fn` with writes to descriptors 1 and 2 made through `fs.writeSync` — how the Emscripten runtime (NODERAWFS)
 * writes the C library's stdout and stderr — and through `process.stdout/stderr.write` collected into
 * `output.text` instead of the terminal. `fn` must be synchronous, so nothing else can write meanwhile.
 */
function captureOutput<T>(output: { text: string }, fn: () => T): T {
  // Create the stdio streams first: Node builds them lazily, and the file-backed kind loads a module that keeps
  // whatever `fs.writeSync` is current at that moment, which must not be the stand-in below.
  const streams = [process.stdout, process.stderr];
  const original = nodeFs.writeSync;
  nodeFs.writeSync = function (this: unknown, fd, buffer, offset, length, position) {
    if (fd !== 1 && fd !== 2) return original.call(this, fd, buffer, offset, length, position);
    let text = '';
    let written = 0;
    if (typeof buffer === 'string') {
      text = buffer;
      written = Buffer.byteLength(buffer);
    } else if (ArrayBuffer.isView(buffer)) {
      const start = typeof offset === 'number' ? offset : 0;
      const count = typeof length === 'number' ? length : buffer.byteLength - start;
      text = Buffer.from(buffer.buffer, buffer.byteOffset + start, count).toString('utf8');
      written = count;
    }
    if (output.text.length < MAX_CAPTURED) output.text += text.slice(0, MAX_CAPTURED - output.text.length);
    return written;
  };
  // The Emscripten runtime also warns through console.error (e.g. about invalid UTF-8 in corrupt names).
  const writes = streams.map((s) => Object.getOwnPropertyDescriptor(s, 'write'));
  for (const s of streams) {
    s.write = ((chunk: unknown, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : ArrayBuffer.isView(chunk) ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8') : '';
      if (output.text.length < MAX_CAPTURED) output.text += text.slice(0, MAX_CAPTURED - output.text.length);
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      if (cb) process.nextTick(cb);
      return true;
    }) as typeof s.write;
  }
  try {
    return fn();
  } finally {
    nodeFs.writeSync = original;
    streams.forEach((s, i) => {
      const d = writes[i];
      if (d) Object.defineProperty(s, 'write', d);
      else delete (s as { write?: unknown }).write;
    });
  }
}

/** `WebAssembly.RuntimeError` (a trap or an Emscripten abort); the ES2022 lib does not declare the value. */
const WasmRuntimeError = (globalThis as { WebAssembly?: { RuntimeError?: abstract new () => Error } })
  .WebAssembly?.RuntimeError;

function isWasmTrap(err: unknown): boolean {
  return WasmRuntimeError !== undefined && err instanceof WasmRuntimeError;
}

function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n').map((l) => l.trim()).find((l) => l) ?? '';
}

/** Walks one open file and reads its datasets. */
class Reader {
  private readonly tensors: Tensor[] = [];
  private readonly emitted = new Set<string>();
  private readonly children = new Map<string, string[]>();
  private readonly kinds = new Map<string, number>();
  /** Bytes that unfiltered datasets may still claim: data cannot exceed the file (×2 tolerates hard-link aliases). */
  private plainBudget: number;
  /** The same for compressed datasets. */
  private filteredBudget: number;

  constructor(
    private readonly M: H5Module,
    private readonly fileId: bigint,
    private readonly fileSize: number,
    private readonly output: { text: string },
    private readonly refusedOpens: RefusedOpens,
    private readonly budget: DecodeBudget,
  ) {
    this.plainBudget = 2 * fileSize;
    this.filteredBudget = Math.min(fileSize * MAX_FILTER_EXPANSION, 2 ** 31 - 1);
  }

  readAll(): Tensor[] {
    // H5Lvisit lists every link once, in name order, depth first; it does not follow soft or external links and
    // visits a group reached through several hard links only once, so cycles cannot trap it.
    const paths = this.call(() => this.M.get_names(this.fileId, '/', true), 'cannot list the file\'s contents');
    this.children.set('', []);
    for (const p of paths) {
      const parent = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '';
      let list = this.children.get(parent);
      if (!list) this.children.set(parent, (list = []));
      list.push(p);
      this.kinds.set(p, this.kindOf(p));
      if (!this.children.has(p)) this.children.set(p, []);
    }
    this.visit('');
    return this.tensors;
  }

  /** H5O type of the object at `p`, or -1 for soft and external links, which are not followed. */
  private kindOf(p: string): number {
    const abs = '/' + p;
    const ext = this.call(() => this.M.get_external_link(this.fileId, abs), `cannot inspect "${p}"`);
    if (ext && typeof ext === 'object' && 'filename' in ext) return -1;
    if (this.call(() => this.M.get_symbolic_link(this.fileId, abs), `cannot inspect "${p}"`) != null) return -1;
    return this.call(() => this.M.get_type(this.fileId, abs), `cannot inspect "${p}"`);
  }

  private visit(group: string): void {
    // Keras: `weight_names` on a layer group lists its weights (paths relative to the group) in model order.
    for (const rel of this.stringListAttribute(group, 'weight_names')) {
      const p = group ? `${group}/${rel}` : rel;
      if (this.kinds.get(p) === H5O_TYPE_DATASET) this.emit(p);
    }
    let kids = this.children.get(group) ?? [];
    // Keras 3 names variables 0, 1, …, 10, 11: order them as numbers, not as strings.
    const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
    if (kids.length > 1 && kids.every((k) => /^\d+$/.test(base(k)))) {
      kids = [...kids].sort((a, b) => Number(base(a)) - Number(base(b)));
    }
    // Keras: `layer_names` on the weights group (or the root of a weights-only file) lists layers in model order.
    const layerNames = this.stringListAttribute(group, 'layer_names');
    if (layerNames.length) {
      const rank = new Map(layerNames.map((n, i) => [group ? `${group}/${n}` : n, i]));
      kids = [...kids].sort((a, b) => (rank.get(a) ?? Infinity) - (rank.get(b) ?? Infinity));
    }
    for (const k of kids) {
      const kind = this.kinds.get(k);
      if (kind === H5O_TYPE_DATASET) this.emit(k);
      else if (kind === H5O_TYPE_GROUP) this.visit(k);
    }
  }

  private emit(p: string): void {
    if (this.emitted.has(p)) return;
    this.emitted.add(p);
    const t = this.readDataset(p);
    if (t) this.tensors.push(t);
  }

  /**
   * A string-array attribute (`layer_names`, `weight_names`), also in the chunked form Keras uses for long lists
   * (`weight_names0`, `weight_names1`, …). Anything unexpected counts as absent.
   */
  private stringListAttribute(group: string, name: string): string[] {
    const obj = '/' + group;
    const attrs = this.call(() => this.M.get_attribute_names(this.fileId, obj), `cannot read attributes of "${group || '/'}"`);
    if (!Array.isArray(attrs)) return [];
    const parts = attrs.includes(name)
      ? [name]
      : attrs.filter((a) => a.startsWith(name) && /^\d+$/.test(a.slice(name.length)))
        .sort((a, b) => Number(a.slice(name.length)) - Number(b.slice(name.length)));
    const out: string[] = [];
    for (const a of parts) {
      const list = this.readStrings(obj, a);
      if (!list) return [];
      out.push(...list);
    }
    return out;
  }

  /**
   * A fixed-length string or string-array attribute (how Keras writes `layer_names` and `weight_names`: numpy
   * arrays of bytes). Variable-length strings are left alone: they live in HDF5's global heap, and a corrupt
   * global heap makes H5Aread loop forever (found by fuzzing; h5wasm's `get_attribute` would also free the
   * garbage pointers a failed read leaves, which aborts the wasm module). Undefined when absent or unreadable.
   */
  private readStrings(obj: string, name: string): string[] | undefined {
    const M = this.M;
    const meta = this.call(() => M.get_attribute_metadata(this.fileId, obj, name), `cannot read attribute "${name}"`);
    if (meta.type !== H5T_STRING || meta.vlen || !meta.shape) return undefined;
    const count = meta.total_size;
    const nbytes = meta.size * count;
    if (!Number.isSafeInteger(nbytes) || nbytes > this.fileSize) return undefined;
    if (count === 0) return [];
    const ptr = M._malloc(nbytes);
    if (!ptr) return undefined;
    try {
      const status = this.call(() => M.get_attribute_data(this.fileId, obj, name, BigInt(ptr)), `cannot read attribute "${name}"`);
      if (status < 0) return undefined;
      const heap = M.HEAPU8;
      const decoder = new TextDecoder('utf-8');
      const out: string[] = [];
      for (let i = 0; i < count; i++) {
        const start = ptr + i * meta.size;
        const limit = start + meta.size;
        let end = heap.indexOf(0, start);
        if (end < 0 || end > limit) end = limit;
        const text = decoder.decode(heap.subarray(start, end));
        out.push(meta.strpad === H5T_STR_SPACEPAD ? text.replace(/ +$/, '') : text);
      }
      return out;
    } finally {
      M._free(ptr);
    }
  }

  private readDataset(p: string): Tensor | undefined {
    const abs = '/' + p;
    const meta = this.call(() => this.M.get_dataset_metadata(this.fileId, abs), `dataset "${p}" cannot be read`);
    if (Array.isArray(meta.virtual_sources) && meta.virtual_sources.length) {
      const first = meta.virtual_sources[0];
      throw new FormatError(
        `dataset "${p}" is a virtual dataset that takes its data from another file ("${printableText(String(first.file_name), 200)}"); ` +
        'only the opened file is read',
      );
    }
    const dtype = dtypeOf(meta);
    if (!dtype || !meta.shape) return undefined; // strings, compounds, references, null dataspaces…
    if (!meta.littleEndian && meta.size > 1) {
      // h5wasm would have HDF5 convert to little-endian, and HDF5's soft conversion trusts the stored bit offset
      // and precision: a corrupt datatype message makes it write outside the buffer (found by fuzzing), which
      // can silently corrupt the wasm heap. Keras only writes little-endian files.
      throw new FormatError(`dataset "${p}" is stored big-endian, which is not supported`);
    }
    const size = meta.size;
    const filters = this.call(() => this.M.get_dataset_filters(this.fileId, abs), `dataset "${p}" cannot be read`);
    const filtered = Array.isArray(filters) && filters.length > 0;
    let shape: number[];
    try {
      shape = checkShape(meta.shape, size, filtered ? this.filteredBudget : this.fileSize);
    } catch (err) {
      throw new FormatError(`dataset "${p}": ${oneLine(err)}`);
    }
    const count = elementCount(shape);
    const nbytes = count * size;
    if (filtered) {
      this.filteredBudget -= nbytes;
    } else {
      if (nbytes > this.plainBudget) {
        throw new FormatError(`datasets claim more data than the file holds (${formatBytes(this.fileSize)})`);
      }
      this.plainBudget -= nbytes;
    }
    this.budget.reserve(count, `dataset "${p}"`);
    const data = newTensorData(dtype, count);
    if (count > 0) {
      const rowElems = shape.length ? count / shape[0] : count;
      const rowBytes = rowElems * size;
      let rowsPerBlock = shape.length && nbytes > BLOCK_BYTES ? Math.max(1, Math.floor(BLOCK_BYTES / rowBytes)) : (shape[0] ?? 1);
      const chunkRows = meta.chunks?.[0];
      // Whole chunks per block, so no compressed chunk is decoded twice.
      if (chunkRows && rowsPerBlock < (shape[0] ?? 1)) rowsPerBlock = Math.max(chunkRows, rowsPerBlock - (rowsPerBlock % chunkRows));
      const whole = !shape.length || rowsPerBlock >= shape[0];
      const blockBytes = whole ? nbytes : rowsPerBlock * rowBytes;
      const ptr = this.M._malloc(blockBytes);
      if (!ptr) throw new FormatError(`dataset "${p}": ${formatBytes(blockBytes)} cannot be allocated`);
      try {
        const rows = whole ? 1 : shape[0];
        const step = whole ? 1 : rowsPerBlock;
        for (let r = 0; r < rows; r += step) {
          const mark = this.output.text.length;
          const n = whole ? 0 : Math.min(step, rows - r);
          const status = whole
            ? this.M.get_dataset_data(this.fileId, abs, null, null, null, BigInt(ptr))
            : this.M.get_dataset_data(
              this.fileId, abs,
              [BigInt(n), ...shape.slice(1).map(BigInt)],
              [BigInt(r), ...shape.slice(1).map(() => 0n)],
              shape.map(() => 1n),
              BigInt(ptr),
            );
          if (status < 0 || this.refusedOpens.length) throw new FormatError(this.readProblem(p, filters, mark));
          const elems = whole ? count : n * rowElems;
          // h5wasm converts to little-endian in memory; HEAPU8 must be fetched after the call (the heap may grow).
          const at = whole ? 0 : r * rowElems;
          const heap = this.M.HEAPU8;
          // A view of the heap where the values are readable as they are (malloc'd memory is 8-byte aligned), copied once.
          data.set(decodeElements(heap.subarray(ptr, ptr + elems * size), dtype, elems), at);
        }
      } finally {
        this.M._free(ptr);
      }
    }
    return { name: p, shape, dtype, data };
  }

  private readProblem(p: string, filters: unknown, mark: number): string {
    if (this.refusedOpens.length) {
      return `dataset "${p}" keeps its data in another file ("${printableText(this.refusedOpens[0], 200)}", HDF5 external storage), ` +
        'which is never opened: only the checkpoint itself is read';
    }
    const names = Array.isArray(filters)
      ? filters.map((f) => (f && typeof f === 'object' && 'name' in f ? String(f.name) : '?')).filter((n) => n)
      : [];
    const why = hdf5Reason(this.output.text.slice(mark));
    return `dataset "${p}" cannot be read (${why || 'corrupt data'}${names.length ? `; filters: ${names.join(', ')}` : ''})`;
  }

  /**
   * Calls into h5wasm. Its C++ side reports failures by throwing `Error`s (e.g. "error - name not defined!");
   * those become FormatErrors. Wasm traps (RuntimeError) propagate, and mark the module broken.
   */
  private call<T>(fn: () => T, problem: string): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof FormatError || isWasmTrap(err)) throw err;
      throw new FormatError(problem);
    }
  }
}

/** The tensor dtype of a dataset's stored type, or undefined for anything not numeric. */
function dtypeOf(meta: H5Metadata): DType | undefined {
  const { type, size, signed } = meta;
  if (meta.vlen) return undefined;
  if (type === H5T_FLOAT) {
    return size === 2 ? 'float16' : size === 4 ? 'float32' : size === 8 ? 'float64' : undefined;
  }
  if (type === H5T_INTEGER) {
    switch (size) {
      case 1: return signed ? 'int8' : 'uint8';
      case 2: return signed ? 'int16' : 'uint16';
      case 4: return signed ? 'int32' : 'uint32';
      case 8: return signed ? 'int64' : 'uint64';
    }
    return undefined;
  }
  // h5py stores numpy bools as an int8 enum {FALSE: 0, TRUE: 1}.
  if (type === H5T_ENUM && size === 1) {
    const members = meta.enum_type?.members;
    if (members && Object.keys(members).length === 2 && members.FALSE === 0 && members.TRUE === 1) return 'bool';
  }
  return undefined;
}
