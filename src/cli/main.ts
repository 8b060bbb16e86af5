// `huiyan <command> [args]`: a thin dispatcher. Each subcommand is the default export of
// src/cli/commands/<command>.ts; adding a file there adds a command, nothing else to edit.
// Shared by every command: `--help`/`-h` prints its summary and usage (exit 0); `--verbose`
// (or HUIYAN_VERBOSE=1) adds stack traces; errors are one line — usage errors exit 2 with the
// usage, everything else exits 1.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError, UserError, type Command } from './command.ts';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'commands');

function commandNames(): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

async function loadCommand(name: string): Promise<Command> {
  return ((await import(pathToFileURL(path.join(dir, `${name}.ts`)).href)) as { default: Command }).default;
}

async function help(): Promise<void> {
  const lines = ['usage: huiyan <command> [options]', '', 'commands:'];
  const width = Math.max(...commandNames().map((n) => n.length));
  for (const name of commandNames()) lines.push(`  ${name.padEnd(width)}  ${(await loadCommand(name)).summary}`);
  process.stdout.write(lines.join('\n') + '\n');
}

function commandHelp(cmd: Command): string {
  return `${cmd.summary}\n\nusage: ${cmd.usage}\n\n  --help      this text\n  --verbose   stack traces on errors\n`;
}

async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose') || process.env.HUIYAN_VERBOSE === '1';
  const [name, ...rest] = argv.filter((a) => a !== '--verbose');
  if (!name || name === '--help' || name === '-h' || (name === 'help' && !rest[0])) {
    await help();
    return name ? 0 : 2;
  }
  const target = name === 'help' ? rest[0]! : name;
  if (!commandNames().includes(target)) {
    process.stderr.write(`huiyan: unknown command "${target}" (known: ${commandNames().join(', ')}; huiyan --help)\n`);
    return 2;
  }
  const cmd = await loadCommand(target);
  if (name === 'help' || rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(commandHelp(cmd));
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    const line = err.message.split('\n').find((l) => l.trim()) ?? err.name;
    if (err instanceof UsageError) {
      process.stderr.write(`huiyan ${name}: ${line}\nusage: ${cmd.usage}\n`);
      return 2;
    }
    if (verbose) process.stderr.write(`huiyan ${name}: ${err.stack ?? line}\n`);
    else process.stderr.write(`huiyan ${name}: ${line}${err instanceof UserError ? '' : '  (--verbose for details)'}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
