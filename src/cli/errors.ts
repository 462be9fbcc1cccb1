/** How the CLI reports an error: one line on stderr and an exit status (docs/cli.md, "Errors"). */
import { problemOf } from '../core/readers';
import { CheckpointError, FormatError, printableText } from '../core/tensor';
import { ConfigError } from '../core/train/config';
import { TrainingError } from '../runs/runManager';
import { RunLockError } from '../runs/runLock';
import { SweepError } from '../sweeps/spec';
import { UsageError } from './args';

/** Errors about the input (files, flags, sweeps, run folders): exit 2. Anything else is ours: an internal error, exit 1. */
const INPUT_ERRORS: (new (...args: never[]) => Error)[] = [CheckpointError, UsageError, SweepError, TrainingError, ConfigError, FormatError, RunLockError];

/**
 * Prints an error as one line on stderr and returns the exit status: `recurrent-lens: <file>: <problem>` (2) for
 * bad input, `recurrent-lens: internal error: <message>` (1) for a fault of ours — its stack only with
 * RECURRENT_LENS_DEBUG=1, never V8's text beyond the message's first line.
 */
export function reportError(err: unknown): number {
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
  if (INPUT_ERRORS.some((E) => err instanceof E)) {
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
