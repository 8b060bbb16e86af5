// The contract every `huiyan <name>` subcommand module (src/cli/commands/<name>.ts) fulfils.
export interface Command {
  /** One line for `huiyan help`. */
  summary: string;
  usage: string;
  /** Arguments after the subcommand name; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** Thrown for bad arguments: printed with the usage, exit code 2. */
export class UsageError extends Error {}

/**
 * Thrown for a problem the user can fix (a missing file, a missing font): printed as one line,
 * exit code 1. Any other error is printed as one line too; the stack only with `--verbose`.
 */
export class UserError extends Error {}

/** Resolves on the first SIGINT or SIGTERM: long-running commands stop cleanly on either. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}
