/**
 * Character-level language modelling on any UTF-8 text file, with the data handling of the usual PyTorch
 * char-LM (awd-lstm-lm's batchify; docs/training.md):
 *
 *   - the text is read as Python's open(file, encoding='utf-8').read() does (newlines \r\n and \r become \n, a
 *     byte-order mark stays a character) and optionally cut to its first `maxChars` characters (code points);
 *   - the vocabulary is the sorted set of its characters (by code point), inputs are their indices (one-hot);
 *   - the first 90 % of the characters (floor) train, the rest validate;
 *   - each part is cut into B contiguous streams of ⌊length / B⌋ characters (the rest dropped); a batch is the
 *     next T characters of every stream, the targets the T characters after them, and the state is carried from
 *     batch to batch; at the end of the streams training wraps to their start with a zero state;
 *   - validation runs through the whole validation part in chunks of T (the last one shorter) from a zero state.
 *
 * Losses are reported in bits per character (nats / ln 2).
 */
import type { RnnBatch } from '../train/model';
import { CheckpointError } from '../tensor';

/** Largest text file we train on (the whole file is held in memory as one index per character). */
export const CHARLM_MAX_BYTES = 256 * 1024 * 1024;
export const CHARLM_TRAIN_FRACTION = 0.9;
export const CHARLM_DEFAULT_T = 100;

/** A text file that cannot be trained on; the message names the problem, the caller the file. */
export class CorpusError extends CheckpointError {}

export interface CharCorpus {
  file: string;
  /** characters in index order */
  vocab: string[];
  /** the text as character indices */
  ids: Int32Array;
  /** characters 0..split−1 train, split.. validate */
  split: number;
  /** entropy of the text's character frequencies, bits per character: a model without memory does no better */
  unigramBpc: number;
}

/** Decodes and checks a text file's bytes (see the module comment); throws CorpusError. */
export function parseCorpus(file: string, bytes: Uint8Array, maxChars = 0): CharCorpus {
  if (bytes.length === 0) throw new CorpusError(file, 'the file is empty (a language model needs text)');
  if (bytes.length > CHARLM_MAX_BYTES) throw new CorpusError(file, `the file is too large (${(bytes.length / 2 ** 20).toFixed(0)} MiB; at most ${CHARLM_MAX_BYTES / 2 ** 20} MiB of text)`);
  if (bytes.includes(0)) throw new CorpusError(file, 'not a text file (it holds NUL bytes: binary data?)');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new CorpusError(file, 'not a UTF-8 text file (invalid UTF-8: binary data, or another encoding?)');
  }
  text = text.replace(/\r\n?/g, '\n');
  let chars = Array.from(text);
  if (maxChars > 0 && chars.length > maxChars) chars = chars.slice(0, maxChars);
  const vocab = [...new Set(chars)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  const index = new Map(vocab.map((c, i) => [c, i]));
  const ids = Int32Array.from(chars, (c) => index.get(c)!);
  const counts = new Float64Array(vocab.length);
  for (const id of ids) counts[id]++;
  let unigramBpc = 0;
  for (const c of counts) if (c > 0) unigramBpc -= (c / ids.length) * Math.log2(c / ids.length);
  return { file, vocab, ids, split: Math.floor(ids.length * CHARLM_TRAIN_FRACTION), unigramBpc };
}

/** B contiguous streams over part of the ids: stream s is ids[from + s·steps, from + (s+1)·steps). */
export interface Streams {
  B: number;
  /** characters per stream */
  steps: number;
  ids: Int32Array;
  from: number;
}

export function streams(ids: Int32Array, from: number, to: number, B: number): Streams {
  return { B, steps: Math.floor((to - from) / B), ids, from };
}

/** Inputs (tokens) and targets (labels) of `n` steps of every stream from position `pos`, batch-major. */
export function streamBatch(st: Streams, pos: number, n: number): RnnBatch {
  const { B, steps, ids, from } = st;
  const tokens = new Int32Array(B * n), labels = new Int32Array(B * n);
  for (let s = 0; s < B; s++) {
    const base = from + s * steps + pos;
    for (let t = 0; t < n; t++) {
      tokens[s * n + t] = ids[base + t];
      labels[s * n + t] = ids[base + t + 1];
    }
  }
  return { tokens, labels };
}

/** The training and validation streams of a corpus for batch B and length T; throws CorpusError when too short. */
export function charlmStreams(c: CharCorpus, B: number, T: number): { train: Streams; valid: Streams } {
  const train = streams(c.ids, 0, c.split, B), valid = streams(c.ids, c.split, c.ids.length, B);
  if (train.steps < T + 1) {
    throw new CorpusError(c.file, `the text is too short for T = ${T} with batch ${B}: its ${c.split} training characters make ${B} streams of ${train.steps}, and a batch needs T + 1 = ${T + 1} (use a smaller --T or --batch, or a longer text)`);
  }
  if (valid.steps < 2) {
    throw new CorpusError(c.file, `the text is too short to validate with batch ${B}: its last 10 % (${c.ids.length - c.split} characters) make ${B} streams of ${valid.steps}, and validation needs 2`);
  }
  return { train, valid };
}
