/** How the CLI reports an error: one line on stderr and an exit status (docs/cli.md, "Errors"). */
import { CheckpointError, FormatError, printableText, problemOf } from '../core/tensor';
import { UsageError } from './args';
import { BadInputError } from '../core/badInput';

export type ErrorClass = new (...args: never[]) => Error;

/**
 * Errors about the input (files, flags): exit 2. Anything else is ours: an internal error, exit 1. A command bundle
 * adds the input errors of what it loads (sweeps, run folders, configurations: see commandBundle), so this module
 * imports nothing heavy.
 */
const INPUT_ERRORS: ErrorClass[] = [CheckpointError, UsageError, FormatError, BadInputError];

/**
 * Prints an error as one line on stderr and returns the exit status: `recurrent-lens: <file>: <problem>` (2) for
 * bad input, `recurrent-lens: internal error: <message>` (1) for a fault of ours — its stack only with
 * RECURRENT_LENS_DEBUG=1, never V8's text beyond the message's first line.
 */
export function reportError(err: unknown, inputErrors: readonly ErrorClass[] = []): number {
  // File names and names from files may hold control characters: escaped, so the message stays one safe line.
  const line = (text: string) => process.stderr.write(`recurrent-lens: ${printableText(text, 2000)}\n`);
  if (err instanceof CheckpointError) {
    line(`${err.file}: ${err.problem}`);
    return 2;
  }
  if (err instanceof UsageError) {
    line(`${err.message} (see recurrent-lens --help)`);
    return 2;
  }
  if (INPUT_ERRORS.some((E) => err instanceof E) || inputErrors.some((E) => err instanceof E)) {
    line(problemOf(err));
    return 2;
  }
  const io = err as NodeJS.ErrnoException;
  if (io instanceof Error && typeof io.code === 'string' && typeof io.path === 'string') {
    // The file system refused (missing, permissions, full disk): about a file, not a bug.
    line(`${io.path}: ${io.syscall ? `cannot ${io.syscall}` : 'failed'} (${io.code})`);
    return 2;
  }
  line(`internal error: ${problemOf(err)}`);
  if (process.env.RECURRENT_LENS_DEBUG === '1' && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  return 1;
}

/** A command: its arguments → the exit status (nothing: 0). */
export type Command = (argv: string[]) => Promise<number | void>;

/**
 * What a command bundle (dist/cli-<name>.js, loaded by src/cli/main.ts for its commands only) exports. Error classes
 * are per bundle, so the bundle that threw reports: `run` and `reportError` classify with the bundle's own classes.
 */
export interface CommandBundle {
  commands: readonly string[];
  run(command: string, argv: string[]): Promise<number>;
  reportError(err: unknown): number;
}

/** A bundle of `commands`; `inputErrors`: the bundle's own error classes about the input (exit 2). */
export function commandBundle(commands: Record<string, Command>, inputErrors: readonly ErrorClass[] = []): CommandBundle {
  const report = (err: unknown) => reportError(err, inputErrors);
  return {
    commands: Object.keys(commands),
    reportError: report,
    async run(command, argv) {
      try {
        return (await commands[command](argv)) ?? 0;
      } catch (err) {
        return report(err);
      }
    },
  };
}
