/**
 * The sweep panel's cost on a paper-sized sweep folder (2 112 finished runs, test/unit/sweepFixtures.ts): reading it
 * (sweep.json, every status.json, the best cells' metrics), folding in one member's change, and the message size.
 * Part of `npm run bench` (`--only sweep-panel`); writes bench/results/sweep-panel.jsonl.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SweepPanelModel } from '../src/sweeps/panelData';
import { paperSizedSweep } from '../test/unit/sweepFixtures';

export async function sweepPanelBench(out: string, reps = 5): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sweep-panel-bench-'));
  try {
    const sweep = paperSizedSweep(dir);
    const load: number[] = [], update: number[] = [];
    let bytes = 0;
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      const model = new SweepPanelModel(dir);
      await model.load();
      const d = await model.data();
      load.push(performance.now() - t0);
      bytes = JSON.stringify(d).length;
      const t1 = performance.now();
      await model.statusChanged(sweep.members[r].name);
      await model.data();
      update.push(performance.now() - t1);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const row = { runs: sweep.members.length, load_ms: Math.round(median(load)), update_ms: Number(median(update).toFixed(1)), message_kib: Math.round(bytes / 1024) };
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, 'sweep-panel.jsonl'), JSON.stringify(row) + '\n');
    console.log(`| sweep panel | ${row.runs} runs | load ${row.load_ms} ms | one member changed ${row.update_ms} ms | message ${row.message_kib} KiB |`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
