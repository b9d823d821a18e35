import { visibleText } from '../../shared/model/visible';

/** A command-line mistake: printed as one line with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

/** A failure the user must act on (bad file, missing binary): printed without a stack trace, exit code 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/**
 * `io` with control characters made visible (shared/model/visible.ts): what a command prints may quote a topology
 * file, which must not drive the terminal. Not for a guest's console output, which is terminal output by design.
 */
export function visibleIo(io: Io): Io {
  return { out: (text) => io.out(visibleText(text)), err: (text) => io.err(visibleText(text)) };
}
