import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ROOT } from './helpers';

// `npm test` on a machine without the Debian packages that installing code-server needs must say the fix in one
// line, not print a stack trace: run the real e2e runner with a PATH that has only node and an empty cache.
test('the e2e runner names missing Debian packages and their apt-get fix in one line, without a stack trace', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-setup-'));
  try {
    const bin = path.join(dir, 'bin');
    spawnSync('mkdir', [bin]);
    symlinkSync(process.execPath, path.join(bin, 'node'));
    const r = spawnSync(process.execPath, [path.join(ROOT, 'out', 'test', 'e2e', 'run.js')], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: bin, HOME: dir, RECURRENT_LENS_E2E_CACHE: path.join(dir, 'cache') },
    });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
    assert.match(lines[0], /^e2e: .*missing.*ripgrep.*; fix: sudo apt-get install -y .*\bripgrep\b/);
    assert.doesNotMatch(r.stderr + r.stdout, /\n\s+at /, 'no stack trace');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
