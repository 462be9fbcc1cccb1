import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CLI } from './helpers';
import { DEMO_FILES, prepareDemo } from '../e2e/start';
import { parseRunFile } from '../../src/runs/runConfig';

/** Every folder under `dir` that holds nothing. */
function emptyFolders(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const sub = path.join(dir, e.name);
    if (!readdirSync(sub).length) out.push(sub);
    out.push(...emptyFolders(sub));
  }
  return out;
}

test('the demo workspace (npm start): named example checkpoints that all open, a run file, a README, no empty folders', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-demo-'));
  try {
    assert.equal(prepareDemo(dir), DEMO_FILES.length);
    assert.deepEqual(emptyFolders(dir), []);
    const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
    for (const [name, , what] of DEMO_FILES) {
      assert.ok(statSync(path.join(dir, name)).size > 0, name);
      if (!what) continue;
      assert.ok(readme.includes(`\`${name}\``), `README lists ${name}`);
      // Each checkpoint opens with the same reader the inspector uses, and its recurrent matrices are found (a bare
      // .npy array has no name to recognise it by).
      const r = spawnSync(process.execPath, [CLI, 'inspect', path.join(dir, name), '--json'], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 0, `${name}: ${r.stderr}`);
      const out = JSON.parse(r.stdout);
      assert.ok(out.tensors.length > 0, name);
      if (!name.endsWith('.npy')) assert.ok(out.recurrent.length > 0, `${name} has a recurrent matrix`);
    }
    const runs = parseRunFile(readFileSync(path.join(dir, 'chain-vs-orthogonal.runs.json'), 'utf8'), dir);
    assert.deepEqual(runs.map((r) => r.init), ['chain:1.02', 'orthogonal:1.0']);
    // Files already there are kept: a second call adds nothing.
    assert.equal(prepareDemo(dir), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
