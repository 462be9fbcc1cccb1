/**
 * The input an analysis was given cannot be analysed (a matrix that is not square, NaN or Inf weights, a zero input
 * vector, an argument out of range): the user's to fix, not a bug. Crosses threads as kind `bad-input`
 * (src/core/errors.ts), and the CLI reports it as `recurrent-lens: <file>: <problem>`, exit 2. This module imports
 * nothing, so the linear algebra can throw it without pulling in the readers.
 */
export class BadInputError extends Error {
  /** The problem alone; `message` adds the file first when there is one. */
  readonly problem: string;
  readonly file?: string;

  constructor(problem: string, file?: string) {
    super(file !== undefined ? `${file}: ${problem}` : problem);
    this.name = 'BadInputError';
    this.problem = problem;
    if (file !== undefined) this.file = file;
  }

  /** The same problem, now naming the file it came from (unchanged when it names one already). */
  inFile(file: string): BadInputError {
    return this.file !== undefined ? this : new BadInputError(this.problem, file);
  }
}

/** Throws BadInputError unless W holds an N×N matrix of finite numbers; `what` names it in the message. */
export function checkSquareFinite(W: ArrayLike<number>, n: number, what = 'analyses'): void {
  if (!Number.isInteger(n) || n < 1 || W.length !== n * n) throw new BadInputError(`${what} need a square matrix, got ${W.length} values for N = ${n}`);
  let bad = 0;
  for (let i = 0; i < W.length; i++) if (!Number.isFinite(W[i])) bad++;
  if (bad) throw new BadInputError(`matrix has ${bad} NaN or Inf entr${bad === 1 ? 'y' : 'ies'}: ${what} need finite weights`);
}
