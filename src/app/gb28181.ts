// GB/T 28181 in the appliance: when HUIYAN_GB28181_CONFIG names a YAML file, its SIP server
// starts and `source.kind: gb28181` cameras play through it. Without it such cameras are
// reported as down with a reason (createSource throws for an unregistered kind).
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { Gb28181Config, Gb28181Service } from '../ingest/gb28181/index.ts';
import { registerSourceKind } from '../ingest/sources.ts';
import type { Logger } from '../util/log.ts';

export async function startGb28181(file: string | undefined, log: Logger): Promise<Gb28181Service | undefined> {
  if (!file) return undefined;
  let raw: unknown;
  try {
    raw = parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: cannot read the GB28181 config: ${(e as Error).message}`);
  }
  const checked = Gb28181Config.safeParse(raw ?? {});
  if (!checked.success) {
    const lines = checked.error.issues.map((i) => `  ${file}: ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`invalid GB28181 config:\n${lines.join('\n')}`);
  }
  const svc = new Gb28181Service(checked.data);
  await svc.start();
  registerSourceKind('gb28181', (camera) => svc.createSource(camera));
  log.info('GB28181 SIP server started', { sipId: svc.cfg.sipId, port: svc.cfg.sipPort, mediaIp: svc.cfg.mediaIp });
  return svc;
}
