/** Loss histories of a run: grown from the trainer's messages, or read (incrementally) from metrics.jsonl. */
import { open } from 'node:fs/promises';
import type { LossSeries } from '../shared/protocol';

/** Points (update, loss) in a growing pair of Float64Arrays. */
export class Series {
  private u = new Float64Array(64);
  private l = new Float64Array(64);
  length = 0;
  /** How many times points were taken back (a resumed run rewinding): a reader must start over. */
  rewinds = 0;

  push(update: number, loss: number): void {
    // A resumed run repeats updates after its checkpoint: a point at or before the last one replaces the tail.
    if (this.length && update <= this.u[this.length - 1]) this.truncate(update - 1);
    if (this.length === this.u.length) {
      const u = new Float64Array(this.length * 2), l = new Float64Array(this.length * 2);
      u.set(this.u);
      l.set(this.l);
      this.u = u;
      this.l = l;
    }
    this.u[this.length] = update;
    this.l[this.length] = loss;
    this.length++;
  }

  /** Drops the points after `update`. */
  truncate(update: number): void {
    const before = this.length;
    while (this.length && this.u[this.length - 1] > update) this.length--;
    if (this.length < before) this.rewinds++;
  }

  /** A copy of the points from index `from` on. */
  slice(from = 0): LossSeries {
    return { update: this.u.slice(from, this.length), loss: this.l.slice(from, this.length) };
  }
}

export class Metrics {
  readonly train = new Series();
  readonly val = new Series();

  add(line: unknown): void {
    if (typeof line !== 'object' || line === null) return;
    const m = line as { update?: unknown; train_loss?: unknown; val_loss?: unknown };
    if (typeof m.update !== 'number') return;
    // NaN/Infinity reach JSON as null (or a string): keep them as NaN, the chart leaves a gap.
    const num = (v: unknown) => (typeof v === 'number' ? v : Number(v ?? NaN));
    if ('train_loss' in m) this.train.push(m.update, num(m.train_loss));
    if ('val_loss' in m) this.val.push(m.update, num(m.val_loss));
  }

  truncate(update: number): void {
    this.train.truncate(update);
    this.val.truncate(update);
  }

  get rewinds(): number {
    return this.train.rewinds + this.val.rewinds;
  }
}

/** Reads metrics.jsonl from where it stopped last time; a partial last line waits for the next read. */
export class MetricsFile {
  private offset = 0;
  private rest = '';

  constructor(readonly file: string) {}

  /** New complete lines since the last call, parsed (bad lines skipped). */
  async read(): Promise<unknown[]> {
    let handle;
    try {
      handle = await open(this.file, 'r');
    } catch {
      return [];
    }
    try {
      const { size } = await handle.stat();
      if (size < this.offset) {
        // Rewritten (a resume trims it): start over.
        this.offset = 0;
        this.rest = '';
      }
      if (size === this.offset) return [];
      const buf = Buffer.alloc(size - this.offset);
      const { bytesRead } = await handle.read(buf, 0, buf.length, this.offset);
      this.offset += bytesRead;
      const lines = (this.rest + buf.subarray(0, bytesRead).toString('utf8')).split('\n');
      this.rest = lines.pop() ?? '';
      const out: unknown[] = [];
      for (const l of lines) {
        if (!l.trim()) continue;
        try {
          out.push(JSON.parse(l));
        } catch {
          // A torn or foreign line: skip it.
        }
      }
      return out;
    } finally {
      await handle.close();
    }
  }
}
