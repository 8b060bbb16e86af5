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
