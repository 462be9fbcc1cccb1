/**
 * A few parsed checkpoints, most recently used last, so a worker reads a file once however many matrices of it are
 * shown or analysed. An entry holds while the file's size and modification time are those it was read with; a
 * changed file, or one now over the size limit, is read again (and fails as `readCheckpoint` fails).
 */
import { promises as fs } from 'node:fs';
import { readCheckpoint, type ReadOptions } from './index';
import type { Checkpoint } from '../tensor';

interface Entry {
  ckpt: Checkpoint;
  size: number;
  mtimeMs: number;
  /** Milliseconds `readCheckpoint` took. */
  readMs: number;
}

export class CheckpointCache {
  private readonly entries = new Map<string, Entry>();
  /** Files parsed so far (each `readCheckpoint` call, failed ones included). */
  parses = 0;

  constructor(private readonly capacity = 3) {}

  /** The parsed checkpoint of `file`, read now unless an entry of the same size and modification time is held. */
  async get(file: string, options: ReadOptions): Promise<{ ckpt: Checkpoint; readMs: number; cached: boolean }> {
    const stat = await fs.stat(file).catch(() => undefined);
    const hit = this.entries.get(file);
    const limit = options.maxFileBytes ?? Infinity;
    if (hit && stat && hit.size === stat.size && hit.mtimeMs === stat.mtimeMs && stat.size <= limit) {
      this.entries.delete(file);
      this.entries.set(file, hit);
      return { ckpt: hit.ckpt, readMs: hit.readMs, cached: true };
    }
    this.entries.delete(file);
    const started = performance.now();
    this.parses++;
    const ckpt = await readCheckpoint(file, options);
    const readMs = performance.now() - started;
    // Keyed by the stat taken before reading: a file changed meanwhile is read again next time.
    if (stat) {
      this.entries.set(file, { ckpt, size: stat.size, mtimeMs: stat.mtimeMs, readMs });
      while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    }
    return { ckpt, readMs, cached: false };
  }

  delete(file: string): void {
    this.entries.delete(file);
  }

  /** The files held, least recently used first. */
  files(): string[] {
    return [...this.entries.keys()];
  }
}
