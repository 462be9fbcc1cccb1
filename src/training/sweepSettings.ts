/**
 * The sweep settings (`recurrentLens.sweeps.*`, `recurrentLens.slurm.*`) and the speed measurement behind a sweep's
 * cost estimate. The measurement runs `cli.js bench train … --json` in a child process: no training work in the
 * extension host.
 */
import * as vscode from 'vscode';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { TrainConfig } from '../core/train/config';
import type { SlurmExecutorOptions } from '../sweeps/slurmExecutor';

export type ExecutorKind = 'local' | 'slurm';

export function executorSetting(): ExecutorKind {
  return vscode.workspace.getConfiguration('recurrentLens.sweeps').get<string>('executor') === 'slurm' ? 'slurm' : 'local';
}

/**
 * The SLURM executor's options from the settings (unset ones left out). `extensionPath`: where the default cli.js is
 * (`<extension>/dist/cli.js`); the default node is the one running the extension host (under Electron it runs as Node
 * through ELECTRON_RUN_AS_NODE, which sbatch passes on to the tasks).
 */
export function slurmSettings(extensionPath: string): SlurmExecutorOptions {
  const s = vscode.workspace.getConfiguration('recurrentLens.slurm');
  const text = (key: string) => s.get<string>(key)?.trim() || undefined;
  const count = (key: string) => {
    const v = s.get<number | null>(key);
    return typeof v === 'number' && v >= 1 ? Math.floor(v) : undefined;
  };
  const extra = s.get<unknown>('extraArgs');
  const out: SlurmExecutorOptions = {
    nodePath: text('nodePath') ?? process.execPath,
    cliPath: text('cliPath') ?? path.join(extensionPath, 'dist', 'cli.js'),
    env: nodeChildEnv(),
  };
  const partition = text('partition'), time = text('time'), mem = text('mem');
  const cpusPerTask = count('cpusPerTask'), maxParallel = count('maxParallelTasks');
  if (partition) out.partition = partition;
  if (time) out.time = time;
  if (mem) out.mem = mem;
  if (cpusPerTask) out.cpusPerTask = cpusPerTask;
  if (maxParallel) out.maxParallel = maxParallel;
  if (Array.isArray(extra) && extra.length) out.extraArgs = extra.filter((a): a is string => typeof a === 'string' && a.trim() !== '').map((a) => a.trim());
  return out;
}

/** The environment a Node child of the extension host needs (under Electron, `process.execPath` runs as Node only so). */
export function nodeChildEnv(): NodeJS.ProcessEnv {
  return { ...process.env, ELECTRON_RUN_AS_NODE: '1' };
}

/**
 * Milliseconds per training update of `config` — wall time (median of a few updates after a warm-up) and CPU time, one
 * engine thread — measured by `cli.js bench train --json` in a child process. Cancelling kills it.
 */
export function measureUpdate(cli: string, config: TrainConfig, token?: vscode.CancellationToken): Promise<{ ms: number; cpuMs?: number }> {
  const args = [cli, 'bench', 'train', '--task', config.task, '--N', String(config.N), '--batch', String(config.batch),
    '--init', config.init, '--updates', '8', '--warmup', '2', '--threads', '1', '--json'];
  if (config.task !== 'psmnist') args.push('--T', String(config.T));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: nodeChildEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    const sub = token?.onCancellationRequested(() => child.kill('SIGTERM'));
    child.on('error', (e) => {
      sub?.dispose();
      reject(new Error(`could not measure the speed of an update: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      sub?.dispose();
      if (token?.isCancellationRequested) return reject(new vscode.CancellationError());
      try {
        const r = JSON.parse(out.trim().split('\n').pop() ?? '') as { ms_per_update?: unknown; cpu_ms_per_update?: unknown };
        const ms = r.ms_per_update, cpu = r.cpu_ms_per_update;
        if (code === 0 && typeof ms === 'number' && ms > 0) return resolve({ ms, ...(typeof cpu === 'number' && cpu > 0 ? { cpuMs: cpu } : {}) });
      } catch {
        // reported below
      }
      const why = err.trim().split('\n').pop() || (signal ? `killed by ${signal}` : `exit code ${code}`);
      reject(new Error(`could not measure the speed of an update (bench train: ${why})`));
    });
  });
}

/**
 * The `recurrentLens.training.keepCheckpoints` setting for runs and sweeps that leave `keep_checkpoints` out
 * (undefined when unset or invalid: the trainer's default applies).
 */
export function keepCheckpointsSetting(): number | undefined {
  const v = vscode.workspace.getConfiguration('recurrentLens.training').get<number | null>('keepCheckpoints');
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
}

/** A run (or a sweep file) with the retention setting filled in where it sets no `keep_checkpoints` of its own. */
export function withRetentionSetting<C extends object>(config: C): C {
  const keep = keepCheckpointsSetting();
  return (config as { keep_checkpoints?: unknown }).keep_checkpoints === undefined && keep !== undefined ? { ...config, keep_checkpoints: keep } : config;
}
