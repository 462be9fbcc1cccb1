import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { TrainConfig } from '../../src/core/train/config';
import { createRnnEngine } from '../../src/core/train/engines';
import { train } from '../../src/core/train/trainer';
import { ROOT } from './helpers';

/**
 * Trains `config` in `dir` in this process, as the CLI does (config.json written first); `stopAt` stops the run at
 * the first logged update at or beyond it, `resume` continues from the last checkpoint.
 */
export async function trainRun(dir: string, config: TrainConfig, opts: { stopAt?: number; resume?: boolean } = {}) {
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  const engine = createRnnEngine({ cell: config.cell, stateful: config.task === 'charlm' }); // as the CLI makes it
  let update = 0;
  try {
    return await train(dir, config, {
      engine, assetRoot: ROOT, resume: opts.resume,
      onEvent: (e) => { if (e.type === 'train') update = e.update; },
      shouldStop: () => opts.stopAt !== undefined && update >= opts.stopAt,
    });
  } finally {
    engine.dispose();
  }
}
