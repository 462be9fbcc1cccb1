/** A tiny pickle assembler and `torch.save`-style zip writer for hand-made checkpoints in tests. */
import { zipSync } from 'fflate';

export class Pickle {
  private readonly out: number[] = [];

  raw(...b: number[]): this { return this.append(b); }
  append(b: ArrayLike<number>): this { for (let i = 0; i < b.length; i++) this.out.push(b[i]); return this; }
  text(s: string): this { for (const c of Buffer.from(s, 'latin1')) this.out.push(c); return this; }
  proto(): this { return this.raw(0x80, 2); }
  global(module: string, name: string): this { return this.raw(0x63).text(`${module}\n${name}\n`); }
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    this.raw(0x58, b.length & 0xff, (b.length >> 8) & 0xff, (b.length >> 16) & 0xff, b.length >>> 24);
    for (const c of b) this.out.push(c);
    return this;
  }
  int(n: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    return this.raw(0x4a, ...b);
  }
  mark(): this { return this.raw(0x28); }
  tuple(): this { return this.raw(0x74); }
  ints(xs: number[]): this { this.mark(); for (const x of xs) this.int(x); return this.tuple(); }
  dict(): this { return this.raw(0x7d); }
  setitem(): this { return this.raw(0x73); }
  setitems(): this { return this.raw(0x75); }
  reduce(): this { return this.raw(0x52); }
  none(): this { return this.raw(0x4e); }
  stop(): this { return this.raw(0x2e); }
  /** `torch._utils._rebuild_tensor_v2(('storage', torch.<type>, key, 'cpu', numel), offset, size, stride, False, OrderedDict())` */
  tensor(key: string, numel: number, offset: number, size: number[], stride: number[], type = 'FloatStorage'): this {
    this.global('torch._utils', '_rebuild_tensor_v2').mark();
    this.mark().str('storage').global('torch', type).str(key).str('cpu').int(numel).tuple().raw(0x51);
    this.int(offset).ints(size).ints(stride).raw(0x89);
    this.global('collections', 'OrderedDict').raw(0x29).reduce();
    return this.tuple().reduce();
  }
  list(): this { return this.raw(0x5d); }
  appends(): this { return this.raw(0x65); }
  appendItem(): this { return this.raw(0x61); }
  float(x: number): this {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(x);
    return this.raw(0x47, ...b);
  }
  bool(v: boolean): this { return this.raw(v ? 0x88 : 0x89); }
  put(i: number): this { return this.raw(0x71, i); }
  get(i: number): this { return this.raw(0x68, i); }
  bytes(): Uint8Array { return Uint8Array.from(this.out); }
}

export function f32(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

export function torchZip(
  pkl: Uint8Array, storages: Record<string, Uint8Array> = {}, folder = 'archive', extra: Record<string, Uint8Array> = {},
  level: 0 | 6 = 0,
): Uint8Array {
  const files: Record<string, Uint8Array> = { [`${folder}/data.pkl`]: pkl };
  for (const [k, v] of Object.entries(storages)) files[`${folder}/data/${k}`] = v;
  files[`${folder}/version`] = new TextEncoder().encode('3\n');
  for (const [k, v] of Object.entries(extra)) files[`${folder}/${k}`] = v;
  return zipSync(files, { level });
}

