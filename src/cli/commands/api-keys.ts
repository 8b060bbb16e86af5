// huiyan api-keys add|list|revoke: keys for machine clients of the API (the city platform,
// a dashboard). The key is printed once at creation; only its sha256 is stored.
import { UsageError, type Command } from '../command.ts';
import { checkScopePlaces, openUsers, parse, roleAndScope, SCOPE_OPTIONS, scopeText } from '../accounts.ts';

const USAGE = `huiyan api-keys add <name> --role admin|commander|officer|auditor [--district D]… [--street S]… [--category C]… [--duty 'mon-fri 08:00-18:00'] [--cases-from YYYY-MM-DD] [--cases-to YYYY-MM-DD] [--allow-unknown]
       huiyan api-keys list
       huiyan api-keys revoke <id>`;

export async function runApiKeys(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values: v, positionals: pos } = parse(rest, SCOPE_OPTIONS);
  if (!['add', 'list', 'revoke'].includes(sub ?? '')) throw new UsageError(`unknown subcommand "${sub ?? ''}"`);
  if (sub !== 'list' && !pos[0]) throw new UsageError(`${sub} needs a ${sub === 'add' ? 'name' : 'key id'}`);
  const add = sub === 'add' ? roleAndScope(v) : undefined;
  const { users, store } = await openUsers();
  try {
    if (sub === 'add') {
      for (const w of await checkScopePlaces(add!.scope, store.db, { allowUnknown: v['allow-unknown'] })) process.stderr.write(`huiyan api-keys: warning: ${w}\n`);
      const { id, key } = await users.createApiKey(pos[0]!, add!.role, add!.scope);
      process.stderr.write(`created key ${id} for "${pos[0]}" (${add!.role}, scope ${scopeText(add!.scope)}); it is shown only now:\n`);
      process.stdout.write(`${key}\n`);
      return 0;
    }
    if (sub === 'list') {
      for (const k of await users.listApiKeys()) {
        process.stdout.write(`${k.id}\t${k.name}\t${k.role}\t${scopeText(k.scope)}\t${k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active'}\n`);
      }
      return 0;
    }
    const known = (await users.listApiKeys()).find((k) => k.id === pos[0]);
    if (!known) {
      process.stderr.write(`huiyan api-keys: no key ${pos[0]}\n`);
      return 1;
    }
    await users.revokeApiKey(known.id);
    process.stdout.write(`revoked ${known.id} (${known.name})\n`);
    return 0;
  } finally {
    await store.close();
  }
}

const command: Command = { summary: 'create, list, revoke API keys for machine clients', usage: USAGE, run: runApiKeys };
export default command;
