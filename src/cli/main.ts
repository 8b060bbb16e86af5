// huiyan CLI dispatcher: a table of commands, each in src/cli/commands/<name>.ts.
// (Minimal version from the evidence branch; the lead reconciles it with the other stages'.)
import { anchorCommand } from './commands/anchor.ts';
import { evidenceKeysCommand } from './commands/evidence-keys.ts';
import { verifyCommand } from './commands/verify.ts';

interface Command {
  name: string;
  summary: string;
  run(argv: string[]): Promise<number>;
}

const commands: Command[] = [verifyCommand, anchorCommand, evidenceKeysCommand];

async function main(argv: string[]): Promise<number> {
  const cmd = commands.find((c) => c.name === argv[0]);
  if (!cmd) {
    process.stderr.write(`usage: huiyan <command> [args]\n${commands.map((c) => `  ${c.name.padEnd(14)} ${c.summary}`).join('\n')}\n`);
    return argv[0] ? 2 : 0;
  }
  return cmd.run(argv.slice(1));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`huiyan: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
