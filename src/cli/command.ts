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

/** Resolves on the first SIGINT or SIGTERM: long-running commands stop cleanly on either. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}
