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

/** Whole numbers on the command line: decimal digits with an optional sign (no 0x20, 1e3, 1.0 or empty text). */
const INTEGER_TEXT = /^[+-]?\d+$/;
/** Real numbers: decimal, optionally with an exponent (3e-4, .5, 1.5E2); no hex, octal, binary, Infinity or empty text. */
const REAL_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A number given on the command line as `--name text` (or in a comma list): whole numbers as decimal digits, reals in
 * decimal or exponent notation. Anything else (`0x20`, `0b1`, `1_000`, `Infinity`, ``) is a UsageError naming the flag.
 */
export function numberText(text: string, flag: string, integer: boolean): number {
  const t = text.trim();
  const v = Number(t);
  if (integer ? !INTEGER_TEXT.test(t) : !REAL_TEXT.test(t) || !Number.isFinite(v)) {
    throw new UsageError(`--${flag} must be ${integer ? 'a whole number in decimal digits' : 'a decimal number (e.g. 0.001 or 1e-3)'}, got "${text}"`);
  }
  return v;
}

/** A whole-number option in [min, max], or `fallback` when absent. */
export function intOption(args: Args, name: string, fallback: number | undefined, min: number, max: number): number | undefined {
  const text = args.option(name);
  if (text === undefined) return fallback;
  const v = INTEGER_TEXT.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${text}"`);
  return v;
}

export function fmtNumber(v: number | null): string {
  if (v === null) return '—';
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}
