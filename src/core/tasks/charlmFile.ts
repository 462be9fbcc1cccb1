/** Reading a charlm text file from disk (Node only; charlm.ts holds the pure parts the webview may import). */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CHARLM_MAX_BYTES, charlmStreams, CorpusError, parseCorpus, type CharCorpus } from './charlm';

const cache = new Map<string, { mtimeMs: number; size: number; maxChars: number; corpus: CharCorpus }>();

/**
 * Reads and checks a text file (cached by path, size and modification time); throws CorpusError. `limit`: a smaller
 * size limit than the trainer's (the extension's recurrentLens.maxFileSizeMB), named in the error.
 */
export async function loadCorpus(file: string, maxChars = 0, limit?: { bytes: number; name: string }): Promise<CharCorpus> {
  let stat;
  try {
    stat = await fs.stat(file);
  } catch (e) {
    throw new CorpusError(file, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'io');
  }
  if (!stat.isFile()) throw new CorpusError(file, 'not a file', 'io');
  if (limit && stat.size > limit.bytes && limit.bytes < CHARLM_MAX_BYTES) {
    throw new CorpusError(file, `the file is too large (${mib(stat.size)} MiB; ${limit.name} allows ${mib(limit.bytes)} MiB)`, 'too-large');
  }
  if (stat.size > CHARLM_MAX_BYTES) throw new CorpusError(file, `the file is too large (${(stat.size / 2 ** 20).toFixed(0)} MiB; at most ${CHARLM_MAX_BYTES / 2 ** 20} MiB of text)`, 'too-large');
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === stat.mtimeMs && hit.size === stat.size && hit.maxChars === maxChars) return hit.corpus;
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    throw new CorpusError(file, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'io');
  }
  const corpus = parseCorpus(file, bytes, maxChars);
  cache.clear();
  cache.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, maxChars, corpus });
  return corpus;
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 2 : 0);

/**
 * Whether a language model can train on `file` with this batch and length (every check the trainer makes before it
 * writes anything): the text's size, characters and vocabulary, and the batches of one validation pass (the whole
 * validation part, T characters of every stream at a time), or a CorpusError naming the file and the problem.
 */
export async function checkTrainingText(file: string, c: { max_chars: number; batch: number; T: number }, limit?: { bytes: number; name: string }): Promise<{ chars: number; vocab: number; unigramBpc: number; validBatches: number }> {
  const corpus = await loadCorpus(file, c.max_chars, limit);
  const { valid } = charlmStreams(corpus, c.batch, c.T);
  return { chars: corpus.ids.length, vocab: corpus.vocab.length, unigramBpc: corpus.unigramBpc, validBatches: Math.ceil((valid.steps - 1) / c.T) };
}

/** The demo text, the de-tagged Brown Corpus (scripts/build-brown.mjs), under the extension's root. */
export function embeddedBrown(assetRoot: string): string {
  return path.join(assetRoot, 'dist', 'brown', 'brown.txt');
}

/** The text a charlm run trains on: its file, or the embedded Brown Corpus. */
export function corpusFile(file: string | null, assetRoot: string): string {
  return file ?? embeddedBrown(assetRoot);
}
