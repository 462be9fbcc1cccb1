/**
 * Errors as they cross threads and reach the webviews: a kind to switch on, one line of text, and the file when
 * one is at fault. Code decides by `kind`, never by the text.
 */
import { CancelledError } from './cancel';
import { BadInputError } from './badInput';
import { NotStableError } from './linalg/stein';
import { NotConvergedError } from './linalg/schur';
import { CheckpointError, FormatError, problemOf } from './tensor';
import type { ErrorKind, LensError } from '../shared/protocol';

export type { ErrorKind, LensError };

/** A LensError as a thrown error (what the host's worker client rejects with). */
export class KindedError extends Error implements LensError {
  readonly kind: ErrorKind;
  readonly file?: string;

  constructor(error: LensError) {
    super(error.message);
    this.name = 'KindedError';
    this.kind = error.kind;
    if (error.file !== undefined) this.file = error.file;
  }
}

/** The structured form of whatever was thrown. */
export function lensErrorOf(err: unknown): LensError {
  if (err instanceof KindedError) return { kind: err.kind, message: err.message, ...(err.file !== undefined ? { file: err.file } : {}) };
  if (err instanceof CancelledError) return { kind: 'cancelled', message: 'cancelled' };
  if (err instanceof BadInputError) return { kind: 'bad-input', message: problemOf(err), ...(err.file !== undefined ? { file: err.file } : {}) };
  if (err instanceof CheckpointError) return { kind: err.kind, message: problemOf(err), file: err.file };
  if (err instanceof FormatError) return { kind: err.kind, message: problemOf(err) };
  if (err instanceof NotStableError) return { kind: 'unstable', message: problemOf(err) };
  if (err instanceof NotConvergedError) return { kind: 'not-converged', message: problemOf(err) };
  if (typeof (err as NodeJS.ErrnoException | null)?.code === 'string' && (err as NodeJS.ErrnoException).syscall) {
    const e = err as NodeJS.ErrnoException;
    return { kind: 'io', message: problemOf(err), ...(e.path ? { file: e.path } : {}) };
  }
  return { kind: 'internal', message: problemOf(err) };
}

/**
 * An error's one line headed by a panel's title (a tensor and its file): a message that names its file first (bad
 * input, a file too large) gives up that path for the title, so the file is named once.
 */
export function titled(title: string, error: LensError): string {
  const own = error.file !== undefined && error.message.startsWith(`${error.file}: `) ? error.message.slice(error.file.length + 2) : error.message;
  return `${title}: ${own}`;
}
