// huiyan anchor [--export DIR]: signs a Merkle root over every camera's chain head now, stores
// it under anchors/ and (with --export or HUIYAN_EVIDENCE_ANCHORS) writes a copy for an
// external timestamp service or ledger.
import type { Command } from '../command.ts';
import { createAnchor, exportAnchor } from '../../evidence/anchor.ts';
import { evidenceEnv, openStore } from '../../evidence/config.ts';
import { KeyRing } from '../../evidence/keys.ts';

export async function runAnchor(argv: string[]): Promise<number> {
  const i = argv.indexOf('--export');
  const env = evidenceEnv();
  const exportDir = i >= 0 ? argv[i + 1] : env.HUIYAN_EVIDENCE_ANCHORS;
  const store = openStore(env);
  await store.init();
  const keys = await KeyRing.load(env.HUIYAN_EVIDENCE_KEYS, { requirePrivate: true });
  const doc = await createAnchor(store, keys);
  const file = exportDir ? await exportAnchor(doc, exportDir) : null;
  process.stdout.write(JSON.stringify({ merkleRoot: doc.anchor.merkleRoot, cameras: doc.anchor.heads.length, exported: file }) + '\n');
  return 0;
}

const command: Command = {
  summary: 'sign a Merkle root of all evidence chain heads (for an external ledger)',
  usage: 'huiyan anchor [--export DIR]',
  run: runAnchor,
};
export default command;
