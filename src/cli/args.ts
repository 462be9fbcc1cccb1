/** Minimal argument parsing: `--name value`, `--name=value`, `--flag`, positionals. */
export class UsageError extends Error {}

export interface Args {
  positional(i: number, what: string): string;
  option(name: string): string | undefined;
  flag(name: string): boolean;
}

export function parseArgs(argv: string[], spec: { flags: string[]; options: string[] }): Args {
  const positionals: string[] = [];
  const options = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--') || a === '--') { positionals.push(a); continue; }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (spec.flags.includes(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      flags.add(name);
    } else if (spec.options.includes(name)) {
      const value = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      options.set(name, value);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return {
    positional(i, what) {
      const v = positionals[i];
      if (v === undefined) throw new UsageError(`missing ${what}`);
      return v;
    },
    option: (name) => options.get(name),
    flag: (name) => flags.has(name),
  };
}

/** A whole-number option in [min, max], or `fallback` when absent. */
export function intOption(args: Args, name: string, fallback: number | undefined, min: number, max: number): number | undefined {
  const text = args.option(name);
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!Number.isInteger(v) || v < min || v > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${text}"`);
  return v;
}

export function fmtNumber(v: number | null): string {
  if (v === null) return '—';
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}
