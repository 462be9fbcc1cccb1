/**
 * Text from a character-level language model (task charlm): a checkpoint's weights and vocabulary, the engine's own
 * float64 forward pass (jsEngine.ts / jsGated.ts, batch 1) and readout, a softmax with temperature and a seeded
 * random generator (docs/training.md, "Sampling").
 *
 *   - The state starts at zero, as validation starts; the prompt's characters are fed in order, then each sampled
 *     character is fed back.
 *   - Without a prompt the first character is drawn from the readout of the zero state.
 *   - p(next = k) ∝ exp(y_k / temperature) with y = h D + c; temperature 0 takes the most probable character (the
 *     first of equals): greedy decoding, the same text for every seed.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_MAX_FILE_BYTES, readCheckpoint, readRegularFile, type ReadOptions } from '../readers';
import { CheckpointError, inputProblemOf, problemOf } from '../tensor';
import type { Signal } from '../cancel';
import { Rng } from '../init/rng';
import { loadCorpus } from '../tasks/charlmFile';
import { listCheckpoints } from './checkpoint';
import { JsRnnEngine } from './jsEngine';
import { readout } from './jsGated';
import { CELLS, paramShapes, PARAM_NAMES, stateCount, type Activation, type Cell, type RnnDims, type RnnParams } from './model';

/** The random stream of sampling (independent of the streams training draws from the same seed). */
export const SAMPLE_STREAM = 11;
export const SAMPLE_DEFAULTS = { length: 500, temperature: 1, seed: 1 } as const;
/** Longest text one request samples. */
export const SAMPLE_MAX_LENGTH = 1_000_000;

export interface LanguageModel {
  /** the checkpoint's model.json */
  file: string;
  cell: Cell;
  N: number;
  activation: Activation;
  /** characters in index order: input k and output k are vocab[k] */
  vocab: string[];
  params: RnnParams;
  /** the update the checkpoint was taken at (null when it does not say) */
  update: number | null;
}

const LAYER_CELL: Record<string, Cell> = { SimpleRNN: 'rnn', LSTM: 'lstm', GRU: 'gru' };

/**
 * The checkpoint a path names: a run folder (its latest checkpoint), a checkpoint folder, or its model.json.
 * Throws CheckpointError naming the path.
 */
export async function languageModelCheckpoint(target: string): Promise<string> {
  const stat = await fs.stat(target).catch((e: NodeJS.ErrnoException) => {
    throw new CheckpointError(target, `cannot read (${e.code ?? e.message})`);
  });
  if (stat.isFile()) return target;
  if (await exists(path.join(target, 'model.json'))) return path.join(target, 'model.json');
  const names = await listCheckpoints(path.join(target, 'checkpoints'));
  if (!names.length) {
    const run = await exists(path.join(target, 'config.json'));
    throw new CheckpointError(target, run ? 'the run has no checkpoint yet (the first is written at update 0)' : 'not a run folder or a checkpoint (no config.json, checkpoints/ or model.json)');
  }
  return path.join(target, 'checkpoints', names[names.length - 1], 'model.json');
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(() => true, () => false);
}

/**
 * Reads a charlm checkpoint (languageModelCheckpoint's paths): weights, cell, vocabulary. Throws CheckpointError.
 * `read.maxFileBytes` bounds the files read (the readers' default otherwise).
 */
export async function loadLanguageModel(target: string, read: ReadOptions = {}): Promise<LanguageModel> {
  const file = await languageModelCheckpoint(target);
  let text: string;
  try {
    text = new TextDecoder().decode(await readRegularFile(file, read.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES, { label: 'file' }));
  } catch (e) {
    throw new CheckpointError(file, problemOf(e), inputProblemOf(e));
  }
  let json: { modelTopology?: { config?: { layers?: { class_name?: string; config?: { units?: number; activation?: string } }[] } }; userDefinedMetadata?: { recurrentLens?: Record<string, unknown> } };
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(file, `not a TF.js model.json (${(e as Error).message})`);
  }
  const meta = json.userDefinedMetadata?.recurrentLens;
  if (!meta) throw new CheckpointError(file, 'not a Recurrent Lens training checkpoint (no recurrentLens metadata)');
  if (meta.task !== 'charlm') throw new CheckpointError(file, `not a language model: a checkpoint of the ${String(meta.task)} task (sampling needs task charlm)`);
  const layer = json.modelTopology?.config?.layers?.[0];
  const cell = LAYER_CELL[layer?.class_name ?? ''];
  const N = layer?.config?.units;
  if (!cell || !CELLS.includes(cell) || !Number.isInteger(N)) throw new CheckpointError(file, `unrecognised recurrent layer ${JSON.stringify(layer?.class_name)}`);
  const activation = (cell === 'rnn' ? layer!.config!.activation : 'tanh') as Activation;
  const ckpt = await readCheckpoint(file, read);
  const tensors = new Map(ckpt.tensors.map((t) => [t.name.split('/').slice(-2).join('/'), t]));
  const names = { K: 'kernel', R: 'recurrent_kernel', b: 'bias' } as const;
  const layerName = { rnn: 'simple_rnn', lstm: 'lstm', gru: 'gru' }[cell];
  const get = (name: string) => {
    const t = tensors.get(name);
    if (!t) throw new CheckpointError(file, `no tensor ${name}`);
    return t;
  };
  const D = get('readout/kernel');
  const nIn = get(`${layerName}/kernel`).shape[0], nOut = D.shape[1];
  const shapes = paramShapes({ cell, nIn, N: N!, nOut });
  const params = {} as RnnParams;
  for (const p of PARAM_NAMES) {
    const t = get(p === 'D' ? 'readout/kernel' : p === 'c' ? 'readout/bias' : `${layerName}/${names[p]}`);
    if (t.shape.join('×') !== shapes[p].join('×')) throw new CheckpointError(file, `${t.name} has shape ${t.shape.join('×')}, expected ${shapes[p].join('×')}`);
    params[p] = Float32Array.from(t.data);
  }
  const vocab = await vocabularyOf(file, meta, nIn);
  if (vocab.length !== nIn || nOut !== nIn) throw new CheckpointError(file, `the vocabulary has ${vocab.length} characters but the model ${nIn} inputs and ${nOut} outputs`);
  return { file, cell, N: N!, activation, vocab, params, update: typeof meta.update === 'number' ? meta.update : null };
}

/**
 * The characters of a checkpoint's inputs: stored in its metadata (`vocab`); checkpoints written before it was stored
 * get it from their run's text (config.json's file and max_chars), when that still has as many characters.
 */
async function vocabularyOf(file: string, meta: Record<string, unknown>, nIn: number): Promise<string[]> {
  if (Array.isArray(meta.vocab) && meta.vocab.every((c) => typeof c === 'string')) return meta.vocab as string[];
  const config = path.join(path.dirname(path.dirname(path.dirname(file))), 'config.json');
  let c: { file?: string | null; max_chars?: number };
  try {
    c = JSON.parse(await fs.readFile(config, 'utf8'));
  } catch {
    throw new CheckpointError(file, 'the checkpoint stores no vocabulary and has no run folder (config.json) to rebuild it from');
  }
  if (!c.file) throw new CheckpointError(file, 'the checkpoint stores no vocabulary (it was trained on the embedded Brown Corpus before vocabularies were stored); train again');
  const corpus = await loadCorpus(c.file, c.max_chars ?? 0);
  if (corpus.vocab.length !== nIn) throw new CheckpointError(file, `the checkpoint stores no vocabulary and its text ${c.file} now has ${corpus.vocab.length} characters, not the model's ${nIn}`);
  return corpus.vocab;
}

export interface SampleOptions {
  prompt?: string;
  /** characters to generate after the prompt */
  length?: number;
  /** 0: greedy */
  temperature?: number;
  seed?: number;
  /** polled between characters: true stops (the text so far is kept) */
  signal?: Signal;
  /** the text as it grows, in chunks (the prompt is not repeated) */
  onChunk?: (text: string) => void;
  /** characters per onChunk call at most (default 64) */
  chunk?: number;
}

/** One model's state while sampling: feed characters, read the next character's distribution. */
export class LanguageModelState {
  private readonly engine = new JsRnnEngine();
  private readonly index: Map<string, number>;
  /** stateCount × N (h, then c for the LSTM) */
  state: Float32Array;
  private readonly logits: Float64Array;

  constructor(readonly model: LanguageModel) {
    this.index = new Map(model.vocab.map((c, i) => [c, i]));
    this.state = new Float32Array(stateCount(model.cell) * model.N);
    this.logits = new Float64Array(model.vocab.length);
  }

  /** Indices of the text's characters; throws a RangeError naming the first one the model has not seen. */
  encode(text: string): Int32Array {
    return Int32Array.from(Array.from(text), (ch) => {
      const k = this.index.get(ch);
      if (k === undefined) throw new RangeError(`the character ${JSON.stringify(ch)} is not in the model's vocabulary of ${this.model.vocab.length} characters`);
      return k;
    });
  }

  /** Runs the cell over these characters from the current state (the engine's forward pass, batch 1). */
  feed(ids: Int32Array): void {
    if (!ids.length) return;
    const { model } = this;
    const dims: RnnDims = { cell: model.cell, batch: 1, T: ids.length, nIn: model.vocab.length, N: model.N, nOut: model.vocab.length, activation: model.activation, loss: 'softmax-xent-every-step' };
    this.engine.forward(dims, model.params, { tokens: ids, labels: new Int32Array(ids.length), state0: this.state });
    this.state = this.engine.finalState();
  }

  /** The readout y = h D + c of the current state (the next character's logits). */
  nextLogits(): Float64Array {
    readout(this.logits, this.state, 0, this.model.N, this.model.params.D, this.model.params.c);
    return this.logits;
  }

  /** p(next character) at this temperature (0: all mass on the most probable). */
  nextDistribution(temperature: number): Float64Array {
    return softmax(this.nextLogits(), temperature);
  }

  dispose(): void {
    this.engine.dispose();
  }
}

/** softmax(y / temperature); temperature 0: one-hot on the first largest y. */
export function softmax(y: Float64Array, temperature: number): Float64Array {
  const p = new Float64Array(y.length);
  let m = 0;
  for (let k = 1; k < y.length; k++) if (y[k] > y[m]) m = k;
  if (temperature === 0) {
    p[m] = 1;
    return p;
  }
  let z = 0;
  for (let k = 0; k < y.length; k++) z += (p[k] = Math.exp((y[k] - y[m]) / temperature));
  for (let k = 0; k < y.length; k++) p[k] /= z;
  return p;
}

/** Index drawn from p with one uniform number u in [0, 1). */
export function draw(p: Float64Array, u: number): number {
  let acc = 0;
  for (let k = 0; k < p.length; k++) {
    acc += p[k];
    if (u < acc) return k;
  }
  // rounding left u ≥ Σp: the last character with mass
  for (let k = p.length - 1; k >= 0; k--) if (p[k] > 0) return k;
  return 0;
}

/** Checks sampling options; the message names the option. */
export function checkSampleOptions(o: SampleOptions): Required<Pick<SampleOptions, 'length' | 'temperature' | 'seed'>> & { prompt: string } {
  const length = o.length ?? SAMPLE_DEFAULTS.length, temperature = o.temperature ?? SAMPLE_DEFAULTS.temperature, seed = o.seed ?? SAMPLE_DEFAULTS.seed;
  if (!Number.isInteger(length) || length < 1 || length > SAMPLE_MAX_LENGTH) throw new RangeError(`length must be a whole number from 1 to ${SAMPLE_MAX_LENGTH}, got ${length}`);
  if (!Number.isFinite(temperature) || temperature < 0 || temperature > 100) throw new RangeError(`temperature must be a number from 0 (greedy) to 100, got ${temperature}`);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a whole number ≥ 0, got ${seed}`);
  return { length, temperature, seed, prompt: o.prompt ?? '' };
}

export interface SampleResult {
  text: string;
  /** characters generated (fewer than asked when stopped) */
  length: number;
  stopped: boolean;
}

/** Samples text after the prompt (see the module comment); the same seed and options give the same text. */
export function sampleText(model: LanguageModel, options: SampleOptions = {}): SampleResult {
  const { length, temperature, seed, prompt } = checkSampleOptions(options);
  const lm = new LanguageModelState(model);
  const rng = new Rng(seed, SAMPLE_STREAM);
  const chunkSize = Math.max(1, options.chunk ?? 64);
  const out: string[] = [];
  let pending = '';
  let stopped = false;
  try {
    lm.feed(lm.encode(prompt));
    const one = new Int32Array(1);
    for (let i = 0; i < length; i++) {
      if (options.signal?.aborted) {
        stopped = true;
        break;
      }
      const k = draw(lm.nextDistribution(temperature), rng.uniform());
      out.push(model.vocab[k]);
      pending += model.vocab[k];
      if (pending.length >= chunkSize) {
        options.onChunk?.(pending);
        pending = '';
      }
      one[0] = k;
      if (i + 1 < length) lm.feed(one);
    }
    if (pending) options.onChunk?.(pending);
  } finally {
    lm.dispose();
  }
  return { text: out.join(''), length: out.length, stopped };
}
