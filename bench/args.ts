/** `--name v1 v2 …` (or `v1,v2`) from the command line of a benchmark script (the values up to the next `--option`). */
export function arg(name: string): string[] | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const out: string[] = [];
  for (let j = i + 1; j < process.argv.length && !process.argv[j].startsWith('--'); j++) out.push(...process.argv[j].split(',').filter(Boolean));
  return out;
}
