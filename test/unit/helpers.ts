import * as path from 'node:path';
import { readFileSync } from 'node:fs';

/** Tests are bundled to out/test/unit/*.js; the repository root is three levels up. */
export const ROOT = path.resolve(__dirname, '../../..');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures');
export const CLI = path.join(ROOT, 'dist', 'cli.js');

export interface ManifestTensor { shape: number[]; dtype: string; first: number; sum: number }
export interface ManifestEntry { tensors: Record<string, ManifestTensor>; format: string; recurrent?: string[]; convention?: string }

export function manifest(): Record<string, ManifestEntry> & { 'bad/': { files: string[] } } {
  return JSON.parse(readFileSync(path.join(FIXTURES, 'MANIFEST.json'), 'utf8'));
}

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

export function close(actual: number, expected: number, rel = 1e-9, abs = 1e-12): boolean {
  return Math.abs(actual - expected) <= Math.max(abs, rel * Math.abs(expected));
}
