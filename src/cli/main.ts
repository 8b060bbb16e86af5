// `huiyan <command> [args]`: a thin dispatcher. Each subcommand is the default export of
// src/cli/commands/<command>.ts; adding a file there adds a command, nothing else to edit.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError, type Command } from './command.ts';

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
  for (const name of commandNames()) lines.push(`  ${name.padEnd(10)} ${(await loadCommand(name)).summary}`);
  process.stdout.write(lines.join('\n') + '\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    await help();
    return name ? 0 : 2;
  }
  if (!commandNames().includes(name)) {
    process.stderr.write(`huiyan: unknown command "${name}" (known: ${commandNames().join(', ')})\n`);
    return 2;
  }
  const cmd = await loadCommand(name);
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`huiyan ${name}: ${e.message}\nusage: ${cmd.usage}\n`);
      return 2;
    }
    process.stderr.write(`huiyan ${name}: ${(e as Error).stack ?? e}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
