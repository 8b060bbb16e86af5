// huiyan evidence-keys rotate|list: manages the Ed25519 keys that sign evidence. Rotation
// makes a new active key; retired public keys stay so old bundles keep verifying.
import type { Command } from '../command.ts';
import { evidenceEnv } from '../../evidence/config.ts';
import { KeyRing, rotateKey } from '../../evidence/keys.ts';

export async function runEvidenceKeys(argv: string[]): Promise<number> {
  const dir = evidenceEnv().HUIYAN_EVIDENCE_KEYS;
  if (argv[0] === 'rotate') {
    process.stdout.write(`active key is now ${await rotateKey(dir)} (in ${dir})\n`);
    return 0;
  }
  if (argv[0] === 'list') {
    const ring = await KeyRing.load(dir);
    for (const id of ring.keyIds()) process.stdout.write(`${id}${id === ring.activeKeyId ? '  (active)' : ''}\n`);
    return 0;
  }
  process.stderr.write('usage: huiyan evidence-keys rotate|list\n');
  return 2;
}

const command: Command = {
  summary: 'rotate or list evidence signing keys',
  usage: 'huiyan evidence-keys rotate|list',
  run: runEvidenceKeys,
};
export default command;
