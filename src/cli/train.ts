/**
 * `recurrent-lens train` and `recurrent-lens bench train`. The VS Code extension runs the same `train` in a
 * child process with an IPC channel: events go to the parent as messages, {type: 'stop'} ends the run. The bundle
 * dist/cli-train.js (loaded by main.ts for these commands only).
 */
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ConfigError, resolveConfig, runId, storedConfig, type TrainConfig } from '../core/train/config';
import { isWriteRefused, listCheckpoints, readJson, RunWriteError, writeJsonAtomic, writing } from '../core/train/checkpoint';
import { createRnnEngine } from '../core/train/engines';
import { checkTrainingText, corpusFile } from '../core/tasks/charlmFile';
import { RUN_FILES, train } from '../core/train/trainer';
import { measureUpdateMs } from '../core/train/measure';
import { rnnWasmKernel } from '../core/train/wasmEngine';
import { gatedWasmKernel } from '../core/train/wasmGated';
import type { RunStatus, TrainerToHost } from '../shared/protocol';
import { CheckpointError } from '../core/tensor';
import { acquireRunLock, RunLockError, type RunLock } from '../runs/runLock';
import { sampleCommand } from './sample';
import { fmtNumber, intOption, numberText, parseArgs, UsageError, type Args } from './args';
import { commandBundle } from './errors';
import { SweepError } from '../sweeps/spec';

/** Flag → config field, for flags that set a field of config.json. */
export const CONFIG_FLAGS: Record<string, string> = {
  task: 'task', T: 'T', N: 'N', init: 'init', activation: 'activation', lr: 'lr', seed: 'seed', updates: 'updates',
  batch: 'batch', 'eval-every': 'eval_every', 'checkpoint-every': 'checkpoint_every', 'log-every': 'log_every',
  'train-size': 'train_size', 'val-size': 'val_size', 'early-stop': 'early_stop', 'clip-norm': 'clip_norm',
  'mnist-images': 'mnist_images', 'mnist-labels': 'mnist_labels', name: 'name',
  cell: 'cell', file: 'file', 'max-chars': 'max_chars', optimizer: 'optimizer', 'keep-checkpoints': 'keep_checkpoints',
};
/** Config fields whose flags take text; the others take numbers. */
export const STRING_FIELDS = new Set(['task', 'init', 'activation', 'mnist_images', 'mnist_labels', 'name', 'cell', 'file', 'optimizer']);
/** Config fields that are whole numbers: their flags take decimal digits only (docs/cli.md, "Numbers"). */
export const INTEGER_FIELDS = new Set(['T', 'N', 'seed', 'updates', 'batch', 'eval_every', 'checkpoint_every', 'log_every', 'train_size', 'val_size', 'max_chars', 'keep_checkpoints']);

function flagValues(args: Args): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [flag, field] of Object.entries(CONFIG_FLAGS)) {
    const text = args.option(flag);
    if (text === undefined) continue;
    out[field] = STRING_FIELDS.has(field) ? text : numberText(text, flag, INTEGER_FIELDS.has(field));
  }
  return out;
}

/** A run configuration file: a JSON object (a list, null or a number is an error naming the file). */
function readJsonFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CheckpointError(file, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(file, `not valid JSON (${(e as Error).message})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    const what = data === null ? 'null' : Array.isArray(data) ? 'a list' : `a ${typeof data}`;
    throw new CheckpointError(file, `a run configuration must be a JSON object such as {"task": "copy", "T": 100}, got ${what}` +
      (Array.isArray(data) ? ' (lists of runs are for the extension\'s run files and `sweep`)' : ''));
  }
  return data as Record<string, unknown>;
}

/** The extension's root (holding dist/mnist): this bundle lives in dist/. */
function assetRoot(): string {
  return path.resolve(__dirname, '..');
}

/** Files of a run in its folder: what --overwrite replaces and what a failed start takes back. */
const RUN_ENTRIES = [RUN_FILES.config, RUN_FILES.status, RUN_FILES.metrics, RUN_FILES.checkpoints, RUN_FILES.log, 'analysis'];

/** Whether `dir` holds a run that has started (status, metrics or checkpoints; a lone config.json is a run to start). */
function holdsStartedRun(dir: string): boolean {
  return [RUN_FILES.status, RUN_FILES.metrics, RUN_FILES.checkpoints].some((f) => existsSync(path.join(dir, f)));
}

/**
 * --overwrite: the old run's files leave the folder together (renamed into a hidden folder, then deleted), so the
 * folder never shows a mixture of the two runs for longer than those renames; anything else in it stays.
 */
async function removeRun(dir: string): Promise<void> {
  const trash = path.join(dir, `.overwritten.${process.pid}.tmp`);
  await fs.mkdir(trash, { recursive: true });
  for (const f of RUN_ENTRIES) await fs.rename(path.join(dir, f), path.join(trash, f)).catch(() => undefined);
  await fs.rm(trash, { recursive: true, force: true });
}

export async function trainCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, {
    flags: ['json', 'resume', 'quiet', 'overwrite'],
    options: [...Object.keys(CONFIG_FLAGS), 'out', 'run-dir', 'config', 'threads', 'sweep', 'index'],
  });
  // Everything that can be checked is checked before the run folder is touched.
  const threads = intOption(args, 'threads', undefined, 1, 64);
  let resume = args.flag('resume');
  const overwrite = args.flag('overwrite');
  if (resume && overwrite) throw new UsageError('give --resume (continue the run) or --overwrite (replace it), not both');
  const flags = flagValues(args);
  let dir: string;
  let config: TrainConfig | undefined;
  let sweepDir: string | undefined;
  const sweep = args.option('sweep') !== undefined || args.option('index') !== undefined;
  if (sweep) {
    const member = await sweepMember(args, flags);
    sweepDir = member.sweepDir;
    dir = member.dir;
    config = member.config;
  } else {
    const given = args.option('out') ?? args.option('run-dir');
    const configFile = args.option('config') ?? (given && existsSync(path.join(given, RUN_FILES.config)) ? path.join(given, RUN_FILES.config) : undefined);
    if (resume) {
      if (!given) throw new UsageError('--resume needs --run-dir DIR (the run folder to continue)');
      if (!configFile) throw new CheckpointError(given, `no ${RUN_FILES.config}: not a run folder`);
      const extra = Object.keys(flags).filter((k) => k !== 'updates');
      if (extra.length) throw new UsageError(`--resume continues the run as configured; only --updates may change (got ${extra.map((k) => `--${k}`).join(', ')})`);
    }
    // --overwrite starts over: the old run's config.json is not a base then.
    const base = configFile && !(overwrite && !args.option('config')) ? readJsonFile(configFile) : {};
    // A run made before checkpoint retention keeps every checkpoint when it is continued.
    const stored = resume ? storedConfig(base) : base;
    try {
      config = resolveConfig({ ...stored, ...flags });
    } catch (e) {
      if (e instanceof ConfigError) throw configFile && !(overwrite && !args.option('config')) ? new CheckpointError(configFile, e.message) : new UsageError(e.message);
      throw e;
    }
    dir = given ?? path.join('.recurrent-lens', 'runs', runId(config));
  }
  // A text that cannot be trained on is refused before anything is written.
  if (config.task === 'charlm') await checkTrainingText(corpusFile(config.file, assetRoot()), config);

  // The folder, then its lock, before anything is written: a second trainer stops here, having touched nothing.
  const existed = existsSync(dir);
  const before = new Set(existed ? await fs.readdir(dir).catch(() => []) : []);
  let created: string | undefined;
  try {
    created = await fs.mkdir(dir, { recursive: true });
  } catch (e) {
    throw new CheckpointError(dir, `cannot make the run folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let lock: RunLock;
  try {
    lock = acquireRunLock(dir);
  } catch (e) {
    // Held by another trainer: the folder is theirs (even one made here a moment ago), nothing is touched.
    if (e instanceof RunLockError) throw new CheckpointError(dir, e.message);
    if (created) await removeEmptyFolders(dir, created);
    if (isWriteRefused(e)) throw new CheckpointError(dir, new RunWriteError(e.code, 'train.lock').message);
    throw e;
  }
  const logWrites: Promise<unknown>[] = [];
  let started = false;
  try {
    if (sweep) {
      // Judged under the lock: a member that finished meanwhile is left alone.
      const member = await memberProgress(dir);
      if (member.finished) {
        // A finished member is never trained again: continuing a sweep skips it.
        if (args.flag('json')) process.stdout.write(JSON.stringify(endLine(member.finished, dir)) + '\n');
        else if (!args.flag('quiet')) process.stderr.write(`${dir}: already ${member.finished.state}; nothing to do\n`);
        return;
      }
      resume = member.resume;
    } else if (!resume && holdsStartedRun(dir)) {
      if (!overwrite) {
        const status = await readJson<RunStatus>(path.join(dir, RUN_FILES.status));
        const what = status?.state ? `a ${status.state} run` : 'a run';
        throw new CheckpointError(dir, `holds ${what} already: --resume continues it, --overwrite replaces it, or choose another --out`);
      }
      await removeRun(dir);
    } else if (overwrite) {
      await removeRun(dir);
    }
    if (overwrite) for (const f of RUN_ENTRIES) before.delete(f); // the new run's files are this command's
    await writeConfig(path.join(dir, RUN_FILES.config), config);
    const status = await runTraining(args, dir, config!, resume, threads, logWrites, () => { started = true; });
    lock.release(); // before the summary, which counts this member as running while its folder is held
    if (sweepDir) await refreshSweepSummary(sweepDir);
    if (args.flag('json')) process.stdout.write(JSON.stringify(endLine(status, dir)) + '\n');
  } catch (e) {
    await Promise.allSettled(logWrites);
    // A start that failed before the first metric or checkpoint leaves nothing behind: the files this command made go
    // (a folder it made, entirely); a resumed run and a sweep member's folder are never taken back.
    if (!started && !resume && !sweep) {
      for (const f of RUN_ENTRIES) if (!before.has(f)) await fs.rm(path.join(dir, f), { recursive: true, force: true }).catch(() => undefined);
      lock.release();
      if (created) await removeEmptyFolders(dir, created);
    }
    throw e;
  } finally {
    lock.release();
  }
}

/**
 * config.json, unless it holds this configuration already (a resume): a resume on a full disk then changes nothing
 * before its first write fails.
 */
async function writeConfig(file: string, config: TrainConfig): Promise<void> {
  const old = await readJson<unknown>(file);
  if (old && JSON.stringify(old) === JSON.stringify(config)) return;
  try {
    await writing(RUN_FILES.config, () => writeJsonAtomic(file, config));
  } catch (e) {
    if (e instanceof RunWriteError) throw new CheckpointError(path.dirname(file), e.message);
    throw e;
  }
}

/** Removes `dir` and its parents up to `top` while they are empty (a folder someone else wrote into stays). */
async function removeEmptyFolders(dir: string, top: string): Promise<void> {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      await fs.rmdir(d);
    } catch {
      return;
    }
    if (d === path.resolve(top) || path.dirname(d) === d) return;
  }
}

/** Trains in `dir`, holding its lock: events to the log, the IPC parent and the terminal; SIGINT/SIGTERM stop it. */
async function runTraining(
  args: Args, dir: string, config: TrainConfig, resume: boolean, threads: number | undefined, logWrites: Promise<unknown>[], onStarted: () => void,
): Promise<RunStatus> {
  const logFile = path.join(dir, RUN_FILES.log);
  let logChain: Promise<unknown> = Promise.resolve();
  const append = (text: string) => {
    logChain = logChain.then(() => fs.appendFile(logFile, text)).catch(() => undefined);
    logWrites.push(logChain);
  };
  const log = (line: string) => {
    append(`${new Date().toISOString()} ${line}\n`);
    if (!args.flag('quiet') && !args.flag('json')) process.stderr.write(line + '\n');
  };
  let stopRequested = false;
  let signals = 0;
  const requestStop = () => {
    if (stopRequested) return;
    stopRequested = true;
    log('stop requested: checkpointing');
  };
  // A second signal exits at once (the lock is released by its 'exit' handler). Only signals count: Ctrl-C in a
  // terminal reaches a sweep's trainers both directly and as their parent's stop message, and that must still checkpoint.
  const onSignal = () => {
    if (++signals > 1) process.exit(130);
    requestStop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const ipc = typeof process.send === 'function';
  if (ipc) {
    process.on('message', (m: { type?: string }) => { if (m && m.type === 'stop') requestStop(); });
    process.on('disconnect', requestStop); // the editor went away: keep what was learned
  }
  let trainerStarted = false, ended = false;
  const emit = (e: TrainerToHost) => {
    if (e.type === 'val' || e.type === 'checkpoint') onStarted();
    if (e.type === 'started') trainerStarted = true;
    if (e.type === 'end') ended = true;
    if (ipc && process.connected) process.send!(e);
    if (e.type === 'started') log(`run ${e.id}: ${config.task} T=${config.T} N=${config.N} ${config.init} lr=${config.lr} seed=${config.seed}, from update ${e.update} to ${e.updates} (baseline ${fmtNumber(e.baseline ?? null)})`);
    else if (e.type === 'val') log(`update ${e.update}: validation loss ${fmtNumber(e.val_loss)}`);
    else if (e.type === 'train' && e.update % (config.log_every * 10) === 0) log(`update ${e.update}: training loss ${fmtNumber(e.train_loss)}`);
    else if (e.type === 'checkpoint') log(`checkpoint ${e.path}`);
    else if (e.type === 'end') log(`${e.status.state}${e.status.error ? `: ${e.status.error}` : ''} after ${e.status.update} updates, validation loss ${fmtNumber(e.status.val_loss)}, ${e.status.succeeded ? 'succeeded' : 'did not succeed'} (baseline/2 = ${fmtNumber(e.status.baseline === null ? null : e.status.baseline / 2)}), ${fmtNumber(e.status.ms_per_update)} ms/update`);
  };
  const engine = createRnnEngine({ threads, cell: config.cell, stateful: config.task === 'charlm' });
  try {
    return await train(dir, config, { resume, engine, assetRoot: assetRoot(), onEvent: emit, shouldStop: () => stopRequested });
  } catch (e) {
    if (e instanceof RunWriteError) {
      // One line, in log.txt when the run had begun there (its 'end' line says it already when status.json was written).
      if (trainerStarted && !ended) append(`${new Date().toISOString()} failed: ${e.message}\n`);
      throw new CheckpointError(dir, e.message);
    }
    if (isWriteRefused(e)) {
      // A refused write no step named: said as one line all the same.
      const message = new RunWriteError(e.code, e.path ? path.relative(dir, e.path) || e.path : 'the run folder').message;
      append(`${new Date().toISOString()} failed: ${message}\n`);
      throw new CheckpointError(dir, message);
    }
    append(`${new Date().toISOString()} failed: ${(e as Error).stack ?? e}\n`);
    const io = e as NodeJS.ErrnoException;
    // A missing or unreadable input (e.g. an IDX file) is named itself, not the run folder.
    if (io.code && io.path) throw new CheckpointError(io.path, `cannot read (${io.code})`);
    throw new CheckpointError(dir, (e as Error).message);
  } finally {
    engine.dispose();
    await Promise.allSettled(logWrites);
  }
}

/** The `train --json` line. */
function endLine(status: RunStatus, dir: string): Record<string, unknown> {
  return {
    final_val_loss: status.val_loss, ...(status.loss_unit === 'bpc' ? { final_val_bpc: status.val_loss } : {}), baseline: status.baseline, succeeded: status.succeeded, diverged: status.diverged,
    updates: status.update, ms_per_update: status.ms_per_update, state: status.state, run_dir: dir,
    checkpoint: status.checkpoint ? path.join(dir, status.checkpoint) : null, engine: status.engine, backend: status.backend,
  };
}

/**
 * `train --sweep DIR --index I`: member I of the sweep in DIR, trained in its run folder `DIR/runs/<name>/` as the
 * sweep configures it. What to do there (memberProgress) is decided once the folder's lock is held.
 */
async function sweepMember(args: Args, flags: Record<string, unknown>): Promise<{ sweepDir: string; dir: string; config: TrainConfig }> {
  const sweepDir = args.option('sweep');
  if (sweepDir === undefined) throw new UsageError('--index needs --sweep DIR');
  const index = intOption(args, 'index', undefined, 0, 1e9);
  if (index === undefined) throw new UsageError('--sweep needs --index I (the member to train)');
  const other = [...Object.keys(flags).map((k) => `--${Object.keys(CONFIG_FLAGS).find((f) => CONFIG_FLAGS[f] === k)}`),
    ...['out', 'run-dir', 'config'].filter((o) => args.option(o) !== undefined).map((o) => `--${o}`),
    ...(['resume', 'overwrite'] as const).filter((f) => args.flag(f)).map((f) => `--${f}`)];
  if (other.length) throw new UsageError(`--sweep trains the member as the sweep configures it (got ${other.join(', ')})`);
  const { readResolvedSweep, memberRunDir } = await import('../sweeps/folder');
  const sweep = await readResolvedSweep(sweepDir);
  const member = sweep.members[index];
  if (!member) throw new UsageError(`--index ${index} is out of range: the sweep in ${sweepDir} has ${sweep.members.length} runs (0 to ${sweep.members.length - 1})`);
  // A sweep made before checkpoint retention keeps every checkpoint of its members.
  return { sweepDir, dir: memberRunDir(sweepDir, member), config: storedConfig(member.config as unknown as Record<string, unknown>) as unknown as TrainConfig };
}

/** A sweep member's folder: finished (completed, diverged: left as it is), or to resume (it has a checkpoint), or to start. */
async function memberProgress(dir: string): Promise<{ resume: boolean; finished?: RunStatus }> {
  const status = (await readJson<RunStatus>(path.join(dir, RUN_FILES.status))) ?? undefined;
  const finished = status && (status.state === 'completed' || status.state === 'diverged') ? status : undefined;
  const resume = (await listCheckpoints(path.join(dir, RUN_FILES.checkpoints))).length > 0;
  return { resume, finished };
}

/** Rewrites the sweep's summary.json after a member ends (keeping the executor and job id it names). */
async function refreshSweepSummary(sweepDir: string): Promise<void> {
  try {
    const { readResolvedSweep } = await import('../sweeps/folder');
    const { readSummary, summarizeSweep, writeSummary } = await import('../sweeps/summary');
    const before = await readSummary(sweepDir).catch(() => undefined);
    const sweep = await readResolvedSweep(sweepDir);
    await writeSummary(sweepDir, await summarizeSweep(sweepDir, sweep, { executor: before?.executor ?? null, job_id: before?.job_id ?? null }));
  } catch {
    // The run itself is saved; the summary is rewritten again by `sweep-status`.
  }
}

/** `bench train`: the median time of one full update (forward, backward, optimizer), as the trainer runs it. */
export async function benchTrainCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { flags: ['json'], options: ['task', 'T', 'N', 'batch', 'updates', 'warmup', 'threads', 'init', 'cell', 'file', 'max-chars', 'optimizer'] });
  const num = (name: string, fallback: number) => intOption(args, name, fallback, 1, 1_000_000)!;
  let config: TrainConfig;
  const lm = args.option('task') === 'charlm';
  try {
    config = resolveConfig({
      task: args.option('task') ?? 'copy', ...(args.option('T') ? { T: num('T', 500) } : {}),
      ...(args.option('N') || !lm ? { N: num('N', 100) } : {}), ...(args.option('batch') || !lm ? { batch: num('batch', 16) } : {}),
      ...(args.option('init') || !lm ? { init: args.option('init') ?? 'chain:1.02' } : {}), val_size: 1, train_size: 1000,
      ...(args.option('cell') ? { cell: args.option('cell') } : {}), ...(args.option('file') ? { file: args.option('file') } : {}),
      ...(args.option('optimizer') ? { optimizer: args.option('optimizer') } : {}),
      ...(args.option('max-chars') ? { max_chars: intOption(args, 'max-chars', 0, 0, 1e9) } : {}),
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const updates = num('updates', 20), warmup = num('warmup', 3);
  const t = await measureUpdateMs(config, { updates, warmup, threads: intOption(args, 'threads', undefined, 1, 64), assetRoot: assetRoot() });
  const round = (v: number) => Math.round(v * 1000) / 1000;
  const out = {
    ms_per_update: round(t.ms_per_update), cpu_ms_per_update: round(t.cpu_ms_per_update), gflops: Math.round((t.flops / t.ms_per_update / 1e6) * 100) / 100,
    backend: t.backend, engine: t.engine, task: config.task, ...(lm ? { cell: config.cell } : {}), T: t.T, N: config.N, batch: config.batch, updates,
    min_ms: round(t.min_ms), max_ms: round(t.max_ms), mflop_per_update: Math.round(t.flops / 1e5) / 10, cpus: t.cpus,
    // which WebAssembly build the engine runs: 'relaxed-simd' (fused multiply-adds) or 'simd'; null on the JS engine
    simd: t.engine.startsWith('wasm') ? ((config.cell === 'lstm' || config.cell === 'gru' ? gatedWasmKernel() : rnnWasmKernel())?.features ?? null) : null,
  };
  if (args.flag('json')) process.stdout.write(JSON.stringify(out) + '\n');
  else process.stdout.write(`${config.task} T=${t.T} N=${config.N} batch ${config.batch}: ${out.ms_per_update} ms/update (${out.gflops} GFLOP/s), engine ${out.engine}, tfjs backend ${t.backend}\n`);
}

/** `bench SUBJECT …`: only `bench train` so far. */
async function benchCommand(argv: string[]): Promise<void> {
  if (argv[0] !== 'train') throw new UsageError(`bench needs a subject: bench train (got ${argv[0] === undefined ? 'nothing' : `"${argv[0]}"`})`);
  await benchTrainCommand(argv.slice(1));
}

export const bundle = commandBundle({ train: trainCommand, bench: benchCommand, sample: sampleCommand }, [ConfigError, RunLockError, SweepError]);
