// huiyan users add|list|passwd|disable|enable: logins of the web UI and API, including the
// first admin of a fresh install. Passwords come from $HUIYAN_NEW_PASSWORD or stdin, never
// from the command line (it would end up in shell history and `ps`).
import { UsageError, type Command } from '../command.ts';
import { checkScopePlaces, openUsers, parse, readPassword, roleAndScope, SCOPE_OPTIONS, scopeText } from '../accounts.ts';

const USAGE = `huiyan users add <username> --role admin|commander|officer|auditor [--name 显示名] [--district D]… [--street S]… [--category vending|overflow|ads|spillage|parking|crowding|bicycles|materials|outside_shop]… [--duty 'mon-fri 08:00-18:00'] [--cases-from YYYY-MM-DD] [--cases-to YYYY-MM-DD] [--allow-unknown]
       huiyan users list
       huiyan users passwd <username>
       huiyan users disable|enable <username>
  duty: weekdays and hours when the user may act, Asia/Shanghai ('daily 20:00-06:00' for a night shift)
  cases-from/-to: inclusive dates of the cases the user may see
  password: $HUIYAN_NEW_PASSWORD, else typed (no echo), else the first line of stdin`;

export async function runUsers(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values: v, positionals: pos } = parse(rest, { ...SCOPE_OPTIONS, name: { type: 'string' } });
  const username = pos[0];
  if (sub !== 'list' && !username) throw new UsageError(`${sub ?? 'a subcommand'} needs a username`);
  if (!['add', 'list', 'passwd', 'disable', 'enable'].includes(sub ?? '')) throw new UsageError(`unknown subcommand "${sub ?? ''}"`);
  // Validate and read the password before touching the database.
  const add = sub === 'add' ? roleAndScope(v) : undefined;
  const password = sub === 'add' || sub === 'passwd' ? await readPassword() : undefined;
  const { users, store } = await openUsers();
  try {
    switch (sub) {
      case 'add': {
        if (await users.exists(username!)) {
          process.stderr.write(`huiyan users: "${username}" already exists (use passwd to change its password)\n`);
          return 1;
        }
        for (const w of await checkScopePlaces(add!.scope, store.db, { allowUnknown: v['allow-unknown'] })) process.stderr.write(`huiyan users: warning: ${w}\n`);
        await users.createUser({ username: username!, displayName: v.name ?? username!, password: password!, role: add!.role, scope: add!.scope });
        process.stdout.write(`created ${username} (${add!.role}, scope ${scopeText(add!.scope)})\n`);
        return 0;
      }
      case 'list':
        for (const u of await users.listUsers()) {
          process.stdout.write(`${u.username}\t${u.role}\t${scopeText(u.scope)}\t${u.displayName}${u.disabled ? '\t(disabled)' : ''}\n`);
        }
        return 0;
      case 'passwd':
      case 'disable':
      case 'enable': {
        const ok = sub === 'passwd' ? await users.setPassword(username!, password!) : await users.setDisabled(username!, sub === 'disable');
        if (!ok) {
          process.stderr.write(`huiyan users: no user "${username}"\n`);
          return 1;
        }
        process.stdout.write(`${username}: ${sub === 'passwd' ? 'password changed, sessions ended' : sub + 'd'}\n`);
        return 0;
      }
    }
    return 2;
  } finally {
    await store.close();
  }
}

const command: Command = { summary: 'add, list, disable users; set passwords (first admin included)', usage: USAGE, run: runUsers };
export default command;
