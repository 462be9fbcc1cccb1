/**
 * Run configurations as the UI needs them: run files (one run, a list, or a grid) checked by the trainer's own
 * resolveConfig (so the editor refuses exactly what the trainer would), short descriptions, the paper's grid.
 */
import * as path from 'node:path';
import type { RunConfig } from '../shared/protocol';
import { CONFIG_DEFAULTS, resolveConfig } from '../core/train/config';
import { TASKS, type TaskName } from '../core/tasks';

/** The paper's learning-rate grid (docs/science.md §5). */
export const LR_GRID = [8e-4, 5e-4, 3e-4, 1e-4, 8e-5, 5e-5, 3e-5, 1e-5, 8e-6, 5e-6, 3e-6] as const;

/** A sweep larger than this is refused: a typo in a grid should not start thousands of processes. */
export const MAX_SWEEP = 1000;

/** The full configuration the trainer would run (every field filled), or a one-line error naming the field. */
export function checkConfig(raw: unknown, base?: string): RunConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('a run is a JSON object such as {"task": "copy", "T": 100}');
  const obj = { ...(raw as Record<string, unknown>) };
  // Paths in a run file are relative to the file; the trainer runs elsewhere.
  for (const key of ['mnist_images', 'mnist_labels', 'file']) {
    if (typeof obj[key] === 'string' && base && !path.isAbsolute(obj[key] as string)) obj[key] = path.resolve(base, obj[key] as string);
  }
  return resolveConfig(obj) as RunConfig;
}

/** Why `value` is not good for `key` of a `task` run (the trainer's words), or undefined. */
export function checkField(task: TaskName, key: keyof RunConfig, value: unknown): string | undefined {
  try {
    resolveConfig({ task, [key]: value });
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * The runs of a run file: one object, or a list of objects; in an object, a list as a field's value makes a grid —
 * `{"task": "copy", "lr": [3e-4, 1e-4], "seed": [1, 2, 3]}` is 6 runs. Throws one line.
 */
export function parseRunFile(text: string, base?: string): RunConfig[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`not valid JSON (${(e as Error).message})`);
  }
  const items = Array.isArray(data) ? data : [data];
  if (items.length === 0) throw new Error('the list of runs is empty');
  const out: RunConfig[] = [];
  items.forEach((item, i) => {
    const where = items.length > 1 ? `run ${i + 1}: ` : '';
    try {
      for (const c of expandGrid(item)) {
        out.push(checkConfig(c, base));
        if (out.length > MAX_SWEEP) throw new Error(`more than ${MAX_SWEEP} runs`);
      }
    } catch (e) {
      throw new Error(`${where}${(e as Error).message}`);
    }
  });
  return out;
}

function expandGrid(item: unknown): unknown[] {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return [item];
  let configs: Record<string, unknown>[] = [{}];
  for (const [key, value] of Object.entries(item as Record<string, unknown>)) {
    if (Array.isArray(value)) {
      if (value.length === 0) throw new Error(`"${key}" is an empty list`);
      configs = configs.flatMap((c) => value.map((v) => ({ ...c, [key]: v })));
      if (configs.length > MAX_SWEEP) throw new Error(`the grid has more than ${MAX_SWEEP} runs`);
    } else {
      configs = configs.map((c) => ({ ...c, [key]: value }));
    }
  }
  return configs;
}

/** A config with the trainer's defaults filled in, for display (a broken config.json shows as given). */
export function resolved(config: RunConfig): RunConfig {
  try {
    return resolveConfig(config as unknown as Record<string, unknown>) as RunConfig;
  } catch {
    return { ...CONFIG_DEFAULTS, ...config } as RunConfig;
  }
}

/** The task's memoryless baseline loss (success is below half of it). */
export function baselineOf(config: RunConfig): number {
  const c = resolved(config);
  return TASKS[c.task].baseline(c.T);
}

/** `copy T100 chain:1.02 lr 2e-4 seed 1`: what tells runs of a sweep apart. */
export function describeConfig(config: RunConfig): string {
  const c = resolved(config);
  return `${c.task}${c.task === 'psmnist' ? '' : ` T${c.T}`} ${c.init} lr ${formatLr(c.lr!)} seed ${c.seed}`;
}

export function formatLr(lr: number): string {
  return lr.toExponential().replace('e+', 'e');
}
